"""Experiment: `slow` calls the blocking `time.sleep`, so the event loop and the spinner freeze.

Sample run (for 3 seconds nothing moves: the spinner task never gets a turn)::

    $ python3 spinner_asyncio_blocked.py
    spinner object: <Task pending name='Task-2' coro=<spin() running at ...>>
    Answer: 42
"""

import asyncio
import itertools
import time


async def spin(msg: str) -> None:
    for char in itertools.cycle(r"\|/-"):
        status = f"\r{char} {msg}"
        print(status, end="", flush=True)
        try:
            await asyncio.sleep(0.1)
        except asyncio.CancelledError:
            break
    blanks = " " * len(status)
    print(f"\r{blanks}\r", end="")


async def slow() -> int:
    time.sleep(3)  # noqa: ASYNC251 -- blocks the event loop: no other task can run
    return 42


async def supervisor() -> int:
    spinner = asyncio.create_task(spin("thinking!"))
    print(f"spinner object: {spinner}")
    result = await slow()
    spinner.cancel()
    return result


def main() -> None:
    result = asyncio.run(supervisor())
    print(f"Answer: {result}")


if __name__ == "__main__":
    main()
