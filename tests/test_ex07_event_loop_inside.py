"""course.exercises.ex07_event_loop_inside: wrong answers to notebook 07 get a helpful line."""

import time

from course.exercises import EXERCISES, verify


def test_there_are_exercises_for_the_event_loop_notebook():
    assert {"sleep", "relay", "with_deadline"} <= set(EXERCISES)


def test_a_sleep_that_polls_the_clock_is_told_to_wait_for_one_future():
    async def sleep(loop, seconds: float) -> None:
        end = loop.time() + seconds
        while loop.time() < end:
            future = loop.create_future()
            loop.call_soon(future.set_result, None)
            await future

    passed, line = verify("sleep", sleep, None)
    assert not passed
    assert "опрашивает часы" in line


def test_a_sleep_that_waits_for_nothing_is_told_so():
    async def sleep(loop, seconds: float) -> None:
        await loop.create_future()

    passed, line = verify("sleep", sleep, None)
    assert not passed
    assert "никто не установит" in line


def test_a_sleep_that_does_not_wait_is_told_so():
    async def sleep(loop, seconds: float) -> None:
        pass

    passed, line = verify("sleep", sleep, None)
    assert not passed
    assert "она не ждёт" in line


def test_a_relay_that_answers_before_the_value_came_is_told_to_wait():
    async def relay(loop, inbox, outbox) -> None:
        outbox.set_result(42)

    passed, line = verify("relay", relay, None)
    assert not passed
    assert "раньше" in line


def test_a_relay_that_polls_is_told_to_await():
    async def relay(loop, inbox, outbox) -> None:
        while not inbox.done:
            future = loop.create_future()
            loop.call_soon(future.set_result, None)
            await future
        outbox.set_result(inbox.result() + 1)

    passed, line = verify("relay", relay, None)
    assert not passed
    assert "await inbox" in line


def test_a_relay_that_blocks_in_a_loop_is_given_up_on():
    async def relay(loop, inbox, outbox) -> None:
        while not inbox.done:
            time.sleep(0.01)  # noqa: ASYNC251  (the wrong answer: it blocks the loop)

    start = time.perf_counter()
    passed, line = verify("relay", relay, None)
    assert not passed and time.perf_counter() - start < 10
    assert "всё ещё работала через 5 с" in line


def test_a_deadline_that_always_fires_is_told_the_future_was_ready():
    async def with_deadline(loop, future, seconds: float):
        raise TimeoutError

    passed, line = verify("with_deadline", with_deadline, None)
    assert not passed
    assert "выбросила TimeoutError" in line


def test_a_deadline_that_waits_for_the_whole_delay_is_told_to_set_a_timer():
    async def with_deadline(loop, future, seconds: float):
        result = await future
        if loop.time() < 0:  # never: it only looks at the clock after the future is done
            raise TimeoutError
        return result

    passed, line = verify("with_deadline", with_deadline, None)
    assert not passed
    assert "нужен TimeoutError" in line and "loop.call_later" in line
