"""The asyncio spinner turns again: the prime check naps (`await asyncio.sleep(0)`) now and then.

`is_prime` here is `primes.is_prime` cut into slices of NAP_EVERY divisors, with a nap after
each: `await asyncio.sleep(0)` lets the event loop run whatever is ready (the spinner), then
the check goes on. Each nap costs a trip through the event loop.

Sample run (the spinner redraws `| thinking!` in place until the answer arrives)::

    $ python3 spinner_prime_asyncio_nap.py
    spinner object: <Task pending name='Task-2' coro=<spin() running at .../spinner_asyncio.py:14>>
    Answer: True (1.16s of CPU time)
"""

import asyncio
import math
import time

from spinner_asyncio import spin
from spinner_prime_thread import PRIME

NAP_EVERY = 10_000  # divisors tried between two naps: well under a millisecond of work


async def is_prime(n: int) -> bool:
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    root = math.isqrt(n)
    for first in range(3, root + 1, 2 * NAP_EVERY):  # a slice of NAP_EVERY odd divisors
        for i in range(first, min(first + 2 * NAP_EVERY, root + 1), 2):
            if n % i == 0:
                return False
        await asyncio.sleep(0)  # a nap: the event loop runs the tasks that are ready
    return True


async def slow() -> bool:
    return await is_prime(PRIME)


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
