"""A spinner animates in an asyncio task while a coroutine "thinks" for 3 seconds.

Sample run (the spinner redraws `| thinking!` in place until the answer arrives)::

    $ python3 spinner_asyncio.py
    spinner object: <Task pending name='Task-2' coro=<spin() running at .../spinner_asyncio.py:14>>
    Answer: 42
"""

import asyncio
import itertools


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
    await asyncio.sleep(3)
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
