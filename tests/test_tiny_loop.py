"""tiny_loop.py: the ready queue, timers in a heap, futures awaited by tasks, the counters."""

import time

import pytest

from tiny_loop import Future, Loop, run


def test_call_soon_runs_callbacks_in_order_and_call_later_by_time():
    loop, order = Loop(), []
    loop.call_later(0.06, order.append, "late")
    loop.call_later(0.02, order.append, "soon")
    loop.call_soon(order.append, 1)
    loop.call_soon(order.append, 2)
    while loop.ready or loop.timers:
        loop.run_once()
    assert order == [1, 2, "soon", "late"]
    assert loop.woke["timer"] == 2


def test_a_cancelled_timer_never_runs():
    loop, order = Loop(), []
    loop.call_later(0.01, order.append, "x").cancel()
    loop.call_later(0.02, order.append, "y")
    while loop.timers:
        loop.run_once()
    assert order == ["y"]


def test_a_task_waits_for_a_future_and_gets_its_value():
    loop = Loop()

    async def answer() -> int:
        future = loop.create_future()
        loop.call_later(0.05, future.set_result, 41)
        return await future + 1

    start = time.perf_counter()
    assert run(answer(), loop) == 42
    assert time.perf_counter() - start >= 0.045


def test_an_exception_set_on_a_future_is_raised_at_the_await():
    loop = Loop()

    async def fails() -> str:
        future = loop.create_future()
        loop.call_soon(future.set_exception, ValueError("no"))
        try:
            await future
        except ValueError as error:
            return f"caught {error}"
        return "not raised"

    assert run(fails(), loop) == "caught no"


def test_an_exception_in_a_task_reaches_whoever_awaits_it():
    loop = Loop()

    async def broken() -> None:
        raise KeyError("cc")

    async def supervisor() -> None:
        await loop.create_task(broken())

    with pytest.raises(KeyError):
        run(supervisor(), loop)


def test_awaiting_a_future_no_one_sets_is_reported_not_a_hang():
    loop = Loop()

    async def waits() -> None:
        await loop.create_future()

    with pytest.raises(RuntimeError, match="nothing to wait for"):
        run(waits(), loop)


def test_result_before_done_and_setting_twice_are_errors():
    future = Future(Loop())
    with pytest.raises(RuntimeError, match="not there yet"):
        future.result()
    future.set_result(1)
    with pytest.raises(RuntimeError, match="already"):
        future.set_result(2)


def test_tasks_run_concurrently_on_timers():
    loop = Loop()

    async def nap(seconds: float) -> float:
        future = loop.create_future()
        loop.call_later(seconds, future.set_result, seconds)
        return await future

    async def three() -> list[float]:
        tasks = [loop.create_task(nap(0.2)) for _ in range(3)]
        return [await task for task in tasks]

    start = time.perf_counter()
    assert run(three(), loop) == [0.2, 0.2, 0.2]
    assert time.perf_counter() - start < 0.2 * 2  # together, not 0.6 s one by one
    assert loop.iterations < 20


def test_a_blocking_callback_shows_in_slowest_and_makes_timers_late():
    loop = Loop()

    async def blocks() -> None:
        future = loop.create_future()
        loop.call_later(0.05, future.set_result, None)  # due in 0.05 s...
        time.sleep(0.3)  # ...but the loop is busy here  # noqa: ASYNC251
        await future

    run(blocks(), loop)
    assert loop.slowest >= 0.25
    assert loop.late >= 0.2


def test_closing_the_loop_closes_coroutines_still_running():
    loop, closed = Loop(), []

    async def forever() -> None:
        try:
            await loop.create_future()
        finally:
            closed.append(True)

    async def first_fails() -> None:
        loop.create_task(forever())
        future = loop.create_future()
        loop.call_later(0.01, future.set_exception, ValueError("stop"))
        await future

    with pytest.raises(ValueError):
        run(first_fails(), loop)
    assert closed == [True]
