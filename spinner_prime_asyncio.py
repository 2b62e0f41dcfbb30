"""The asyncio spinner while a coroutine computes: the event loop never gets a turn, it freezes.

`slow` checks a large prime with the plain `primes.is_prime`: no `await` inside, so the
event loop waits for the whole check, and the spinner task does not draw a single frame.

Sample run (for about a second nothing moves)::

    $ python3 spinner_prime_asyncio.py
    spinner object: <Task pending name='Task-2' coro=<spin() running at .../spinner_asyncio.py:14>>
    Answer: True (1.14s of CPU time)
"""

import asyncio
import time

from primes import is_prime
from spinner_asyncio import spin
from spinner_prime_thread import PRIME


async def slow() -> bool:
    return is_prime(PRIME)  # computes without a single await: the loop stands still


async def supervisor() -> bool:
    spinner = asyncio.create_task(spin("thinking!"))
    print(f"spinner object: {spinner}")
    result = await slow()
    spinner.cancel()
    try:
        await spinner  # wait until it has stopped and erased its line
    except asyncio.CancelledError:  # the cancellation we asked for...
        if asyncio.current_task().cancelling():  # ...unless we are being cancelled too
            raise
    return result


def main() -> None:
    t0 = time.process_time()
    result = asyncio.run(supervisor())
    print(f"Answer: {result} ({time.process_time() - t0:.2f}s of CPU time)")


if __name__ == "__main__":
    main()
