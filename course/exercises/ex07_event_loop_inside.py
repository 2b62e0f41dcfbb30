"""Checks of notebook 07 (inside the event loop): sleep() and a hand-over on the tiny loop."""

import functools
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from course.exercises.core import NotYet, async_def, call_within, exercise, timed
from course.sidebyside import import_script
from flagserver import FlagServer

NOTEBOOK = "07_event_loop_inside"
SLEEPS, SECONDS = 3, 0.3  # three sleep(loop, 0.3) at once: 0.3 s together, 0.9 s one by one
WAIT = 0.2  # seconds before the check puts a value into relay's inbox
CALM = 40  # loop iterations a right answer stays under (polling takes thousands)


def tiny_loop() -> ModuleType:
    """The tiny loop the notebook wrote (tiny_loop.py in the course's folder)."""
    return sys.modules.get("tiny_loop") or import_script("tiny_loop")


def run_on(loop: Any, coro: Any) -> Any:
    """loop.run_until_complete, with the tiny loop's "nothing to wait for" said for a student."""
    try:
        return loop.run_until_complete(coro)
    except RuntimeError as error:
        if "nothing to wait for" not in str(error):
            raise
        raise NotYet(
            "цикл остался без дел: ждали фьючерс (Future), который никто не установит"
        ) from None


@exercise(NOTEBOOK)
def sleep(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """async sleep(loop, seconds): wait `seconds` on the tiny loop, letting other tasks run."""
    async_def(candidate)
    loop = tiny_loop().Loop()

    async def together() -> None:
        tasks = [loop.create_task(candidate(loop, SECONDS)) for _ in range(SLEEPS)]
        for task in tasks:
            await task

    @functools.wraps(candidate)
    def answer() -> float:
        return timed(run_on, loop, together())[1]

    seconds = call_within(SECONDS * SLEEPS * 3, answer, hint="не ждёт ли она в цикле while?")
    shown = f"{SLEEPS} вызова sleep(loop, {SECONDS:g}) одновременно"
    if seconds < SECONDS * 0.8:
        raise NotYet(f"{shown} вернулись через {seconds:.2f} с: она не ждёт {SECONDS:g} с")
    if seconds > SECONDS * 2:
        raise NotYet(
            f"{shown} заняли {seconds:.2f} с — по очереди: time.sleep останавливает весь цикл; "
            "поставьте таймер loop.call_later, который установит фьючерс, и ждите его через await"
        )
    if loop.iterations > CALM:
        raise NotYet(
            f"{shown} заняли {seconds:.2f} с, но цикл сделал {loop.iterations} итераций: она "
            "опрашивает часы; пусть ждёт один фьючерс, установленный таймером loop.call_later"
        )
    return (
        f"работает: {shown} заняли {seconds:.2f} с, цикл сделал {loop.iterations} итераций "
        f"и разбудил {loop.woke['timer']} таймера"
    )


def hand_over(candidate: Callable[..., Any], value: Any) -> tuple[Any, Any, float]:
    """Run candidate(loop, inbox, outbox) on a tiny loop; put `value` into inbox WAIT s later.
    (the loop, outbox, seconds it took)."""
    loop = tiny_loop().Loop()
    inbox, outbox = loop.create_future(), loop.create_future()

    async def sender_and_relay() -> None:
        task = loop.create_task(candidate(loop, inbox, outbox))
        loop.call_later(WAIT, inbox.set_result, value)  # another "coroutine" sends it later
        await task

    @functools.wraps(candidate)
    def answer() -> float:
        return timed(run_on, loop, sender_and_relay())[1]

    return loop, outbox, call_within(5.0, answer, hint="не ждёт ли она в цикле while?")


@exercise(NOTEBOOK)
def relay(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """async relay(loop, inbox, outbox): wait for inbox's value, put value + 1 into outbox."""
    async_def(candidate)
    for value in (41, 6):
        loop, outbox, seconds = hand_over(candidate, value)
        if not outbox.done:
            raise NotYet("relay вернулась, а в outbox ничего не положила: outbox.set_result(...)")
        if outbox.result() != value + 1:
            raise NotYet(
                f"в inbox пришло {value}, а в outbox {outbox.result()!r}: нужно {value + 1}"
            )
        if seconds < WAIT * 0.8:
            raise NotYet("outbox готов раньше, чем пришло значение в inbox: дождитесь inbox")
        if loop.iterations > CALM:
            raise NotYet(
                f"работает, но цикл сделал {loop.iterations} итераций: она опрашивает inbox; "
                "просто `await inbox`"
            )
    return f"работает: 41 → 42 и 6 → 7 через фьючерсы, за {loop.iterations} итераций цикла"


READY, LATE, LIMIT = 0.1, 1.5, 0.3  # the future is ready after READY or LATE s; the deadline


def within_on_a_loop(candidate: Callable[..., Any], ready_after: float) -> tuple[str, Any, float]:
    """Await candidate(loop, future, LIMIT) where `future` gets "GIF" after `ready_after` s.
    ("result" or "timeout", the result, seconds it took)."""
    loop = tiny_loop().Loop()
    future = loop.create_future()
    loop.call_later(ready_after, future.set_result, "GIF")

    async def waits() -> tuple[str, Any]:
        try:
            return "result", await candidate(loop, future, LIMIT)
        except TimeoutError:
            return "timeout", None

    @functools.wraps(candidate)
    def answer() -> tuple[tuple[str, Any], float]:
        return timed(run_on, loop, waits())

    (outcome, result), seconds = call_within(5.0, answer, hint="не ждёт ли она в цикле while?")
    return outcome, result, seconds


@exercise(NOTEBOOK)
def with_deadline(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """async with_deadline(loop, future, seconds): future's result, or TimeoutError when late."""
    async_def(candidate)
    outcome, result, seconds = within_on_a_loop(candidate, READY)
    if outcome == "timeout":
        raise NotYet(
            f"фьючерс был готов через {READY:g} с, а она выбросила TimeoutError при тайм-ауте "
            f"{LIMIT:g} с"
        )
    if result != "GIF" or seconds > LIMIT * 2:
        raise NotYet(
            f"фьючерс был готов через {READY:g} с со значением 'GIF', а она вернула {result!r} "
            f"через {seconds:.2f} с: верните результат фьючерса, как только он готов"
        )
    outcome, result, seconds = within_on_a_loop(candidate, LATE)
    if outcome != "timeout":
        raise NotYet(
            f"фьючерс готов только через {LATE:g} с, а тайм-аут {LIMIT:g} с: нужен TimeoutError, "
            f"а она вернула {result!r} через {seconds:.2f} с; поставьте таймер loop.call_later"
        )
    if seconds > LIMIT * 2:
        raise NotYet(f"TimeoutError пришёл через {seconds:.2f} с, а тайм-аут {LIMIT:g} с")
    return (
        f"работает: готовый фьючерс — сразу его результат, опоздавший — TimeoutError за {LIMIT:g} с"
    )
