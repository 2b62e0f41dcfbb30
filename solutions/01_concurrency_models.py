"""Reference solutions to the exercises of notebooks/01_concurrency_models.ipynb.

Try the exercise first: the check cell under it tells you in one line whether your answer works.
tests/test_exercises.py proves that each function here passes the same check.
"""

import asyncio
import itertools
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from threading import Event
from typing import Any


def spin_elapsed(msg: str, done: Event) -> None:
    """Spin until done is set; each frame shows the seconds since the spinner began."""
    start = time.perf_counter()
    for char in itertools.cycle(r"\|/-"):
        status = f"\r{char} {msg} {time.perf_counter() - start:.1f}s"
        print(status, end="", flush=True)
        if done.wait(0.1):
            break
    blanks = " " * len(status)  # the last frame is the longest: its seconds have the most digits
    print(f"\r{blanks}\r", end="")


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
    await asyncio.sleep(1)
    return 42


async def clean_supervisor() -> int:
    """Return the answer of slow() only once the spinner has stopped and erased its line."""
    spinner = asyncio.create_task(spin("thinking!"))
    result = await slow()
    spinner.cancel()
    try:
        await spinner  # spin erases its line in `finally`; the CancelledError comes back here
    except asyncio.CancelledError:  # the cancellation we asked for...
        if asyncio.current_task().cancelling():  # ...unless we are being cancelled too
            raise
    return result


def parallel_map(fn: Callable[[Any], Any], items: list) -> list:
    """Call fn on every item, on all CPU cores at once; return the results in the order of items."""
    with ProcessPoolExecutor() as executor:  # a process per core, each with its own GIL
        return list(executor.map(fn, items))
