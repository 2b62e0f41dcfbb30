"""Reference solutions to the exercises of notebooks/07_event_loop_inside.ipynb.

Try the exercise first: the check cell under it tells you in one line whether your answer works.
tests/test_exercises.py proves that each function here passes the same check.
"""

from typing import Any


async def sleep(loop: Any, seconds: float) -> None:
    """Wait `seconds` on the tiny loop; other tasks run meanwhile."""
    future = loop.create_future()
    loop.call_later(seconds, future.set_result, None)  # a timer in the loop's heap sets it
    await future  # the task waits here; the loop runs the others


async def relay(loop: Any, inbox: Any, outbox: Any) -> None:
    """Wait until another coroutine puts a value into inbox; put value + 1 into outbox."""
    value = await inbox
    outbox.set_result(value + 1)


async def with_deadline(loop: Any, future: Any, seconds: float) -> Any:
    """The result of `future`, or TimeoutError if it is not done within `seconds`."""
    first = loop.create_future()  # set by whichever comes first: the future or the timer

    def copy(done: Any) -> None:
        if first.done:
            return
        if done.error is not None:
            first.set_exception(done.error)
        else:
            first.set_result(done.value)

    def too_late() -> None:
        if not first.done:
            first.set_exception(TimeoutError(f"not done within {seconds} s"))

    future.add_done_callback(copy)
    timer = loop.call_later(seconds, too_late)
    try:
        return await first
    finally:
        timer.cancel()
