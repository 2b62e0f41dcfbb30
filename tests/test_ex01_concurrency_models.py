"""course.exercises.ex01_concurrency_models: wrong answers to notebook 01's exercises."""

import asyncio
import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from threading import Event

from course.exercises import verify


def spin_without_carriage_return(msg: str, done: Event) -> None:
    start = time.perf_counter()
    for char in itertools.cycle(r"\|/-"):
        print(f"{char} {msg} {time.perf_counter() - start:.1f}s", end="", flush=True)
        if done.wait(0.1):
            break


def test_frames_not_drawn_over_each_other_are_caught():
    passed, line = verify("spin_elapsed", spin_without_carriage_return, None)
    assert not passed
    assert "start every frame with \\r" in line


def test_a_thread_pool_for_cpu_work_is_caught_with_the_reason():
    def threads(fn, items):
        with ThreadPoolExecutor() as executor:
            return list(executor.map(fn, items))

    passed, line = verify("parallel_map", threads, None)
    assert not passed
    assert "fn ran inside this very process" in line and "GIL" in line


def test_a_supervisor_without_a_spinner_is_caught():
    async def no_spinner() -> int:
        await asyncio.sleep(0.5)
        return 42

    passed, line = verify("clean_supervisor", no_spinner, None)
    assert not passed
    assert "the spinner drew no frames" in line
