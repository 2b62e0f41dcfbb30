"""course.exercises.ex01_concurrency_models: wrong answers to notebook 01's exercises."""

import asyncio
import itertools
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from threading import Event

import pytest

from course.exercises import verify
from course.exercises.ex01_concurrency_models import (
    SPIN_SECONDS,
    STOP_WITHIN,
    SUPERVISOR_DEADLINE,
)
from spinner_asyncio import spin  # the spinner of the notebook and its starter


def spin_without_carriage_return(msg: str, done: Event) -> None:
    start = time.perf_counter()
    for char in itertools.cycle(r"\|/-"):
        print(f"{char} {msg} {time.perf_counter() - start:.1f}s", end="", flush=True)
        if done.wait(0.1):
            break


def test_frames_not_drawn_over_each_other_are_caught():
    passed, line = verify("spin_elapsed", spin_without_carriage_return, None)
    assert not passed
    assert "начинайте каждый кадр с \\r" in line


def test_a_thread_pool_for_cpu_work_is_caught_with_the_reason():
    def threads(fn, items):
        with ThreadPoolExecutor() as executor:
            return list(executor.map(fn, items))

    passed, line = verify("parallel_map", threads, None)
    assert not passed
    assert "fn работала в этом же процессе" in line and "GIL" in line


def test_a_supervisor_without_a_spinner_is_caught():
    async def no_spinner() -> int:
        await asyncio.sleep(0.5)
        return 42

    passed, line = verify("clean_supervisor", no_spinner, None)
    assert not passed
    assert "спиннер не нарисовал ни кадра" in line


def check_threads() -> list[threading.Thread]:
    """The threads the checks started that still run (core names them 'check ...')."""
    return [thread for thread in threading.enumerate() if thread.name.startswith("check ")]


def assert_quiet_afterwards(capsys) -> None:
    """Nothing the answer started keeps running or printing once the check has returned."""
    capsys.readouterr()
    time.sleep(0.5)
    assert capsys.readouterr() == ("", "")
    assert not check_threads()


def spin_without_break(msg: str, done: Event) -> None:
    start = time.perf_counter()
    for char in itertools.cycle(r"\|/-"):
        print(f"\r{char} {msg} {time.perf_counter() - start:.1f}s", end="", flush=True)
        done.wait(0.1)  # forgot `break`: once done is set it spins flat out


def test_a_spinner_without_break_is_stopped_and_prints_nothing_later(capsys):
    start = time.perf_counter()
    passed, line = verify("spin_elapsed", spin_without_break, None)
    assert time.perf_counter() - start < SPIN_SECONDS + STOP_WITHIN + 5
    assert not passed
    assert "всё ещё крутится через 2 с после done.set()" in line and "break" in line
    assert "перезапустите ядро" not in line  # the check stopped it at its next print
    assert "\r" not in capsys.readouterr().out  # its frames never reached the notebook
    assert_quiet_afterwards(capsys)


async def spin_ignoring_cancel(msg: str) -> None:
    for char in itertools.cycle(r"\|/-"):
        print(f"\r{char} {msg}", end="", flush=True)
        try:
            await asyncio.sleep(0.1)
        except asyncio.CancelledError:
            pass  # swallowed: the task never stops


async def slow() -> int:
    await asyncio.sleep(1)
    return 42


def test_awaiting_a_spinner_that_was_never_cancelled_is_caught_in_time(capsys):
    async def never_cancels() -> int:
        spinner = asyncio.create_task(spin("thinking!"))
        result = await slow()
        await spinner  # runs forever: nobody cancelled it
        return result

    start = time.perf_counter()
    passed, line = verify("clean_supervisor", never_cancels, None)
    assert time.perf_counter() - start < SUPERVISOR_DEADLINE + 5
    assert not passed
    assert "ваш спиннер всё ещё работал через 4 с" in line and "а вы его отменили?" in line
    assert_quiet_afterwards(capsys)


def test_a_spinner_that_swallows_cancel_is_caught_and_stopped(capsys):
    async def ignored() -> int:
        spinner = asyncio.create_task(spin_ignoring_cancel("thinking!"))
        result = await slow()
        spinner.cancel()
        await spinner
        return result

    start = time.perf_counter()
    passed, line = verify("clean_supervisor", ignored, None)
    assert time.perf_counter() - start < SUPERVISOR_DEADLINE + 5
    assert not passed
    assert "хотя его отменили" in line and "не должна глотать CancelledError" in line
    assert_quiet_afterwards(capsys)


def test_cancel_and_a_turn_of_the_loop_instead_of_await_is_caught():
    async def sleeps_instead() -> int:
        spinner = asyncio.create_task(spin("thinking!"))
        result = await slow()
        spinner.cancel()
        await asyncio.sleep(0)  # the spinner happens to stop in this one turn
        return result

    passed, line = verify("clean_supervisor", sleeps_instead, None)
    assert not passed
    assert "его не дождалась" in line and "после cancel() напишите `await spinner`" in line


def test_other_ways_of_waiting_for_the_cancelled_spinner_pass():
    async def gathers() -> int:
        spinner = asyncio.create_task(spin("thinking!"))
        result = await slow()
        spinner.cancel()
        await asyncio.gather(spinner, return_exceptions=True)
        return result

    passed, line = verify("clean_supervisor", gathers, None)
    assert passed, line


def one_worker(fn, items):
    with ProcessPoolExecutor(max_workers=1) as executor:
        return list(executor.map(fn, items))


def spawned_workers(fn, items):
    with ProcessPoolExecutor(mp_context=multiprocessing.get_context("spawn")) as executor:
        return list(executor.map(fn, items))


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: one worker is all there is")
def test_a_pool_of_one_process_is_caught():
    passed, line = verify("parallel_map", one_worker, None)
    assert not passed
    assert "прошли в одном рабочем процессе" in line and "не задавайте max_workers" in line


def test_the_function_parallel_map_gets_works_with_spawned_workers():
    start = time.perf_counter()
    passed, line = verify("parallel_map", spawned_workers, None)
    assert passed, line
    assert time.perf_counter() - start < 10
