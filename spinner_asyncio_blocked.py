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
    status = ""
    try:
        for char in itertools.cycle(r"\|/-"):
            status = f"\r{char} {msg}"
            print(status, end="", flush=True)
            await asyncio.sleep(0.1)
    finally:  # cancelled (or failed): erase the line, and let the CancelledError go on
        print(f"\r{' ' * len(status)}\r", end="")


async def slow() -> int:
    time.sleep(3)  # noqa: ASYNC251 -- blocks the event loop: no other task can run
    return 42


async def supervisor() -> int:
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
    result = asyncio.run(supervisor())
    print(f"Answer: {result}")


if __name__ == "__main__":
    main()
