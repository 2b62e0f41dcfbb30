"""The core of the exercise checks: one call tells a student, in one line, whether an answer works.

    >>> from course import check
    >>> check("flag_sizes", flag_sizes, server)      # server = start_server()
    ✗ flag_sizes: вернула {}, а нужен размер для каждого из ['cn', 'br', 'fr']
    >>> check("flag_sizes", flag_sizes, server)      # after the fix
    ✓ flag_sizes: работает: размеры cn, br, fr, jp, de совпадают с GIF сервера

The lines are in Russian, like the notebooks, and start with ✓ or ✗: signs every font has
(the emoji ✅/❌ are empty boxes where no emoji font is installed).

Each exercise is a function registered with `@exercise("NN_notebook")` in the module of its
notebook (`course/exercises/exNN_notebook.py`): it tries the student's function (the
candidate) against the real flag server and raises `NotYet(reason)` when the answer does not
work yet, or returns what it proved. The notebooks call `check`; tests/test_exercises.py calls
`verify` with the same checks on the reference solutions in solutions/ (they must pass) and on
the starters shipped in the notebooks (they must not).

Async exercises (`async def` answers) are checked with the same `check` call. A notebook's
kernel already runs an event loop, so a check cannot `asyncio.run` there: it calls
`run_async(candidate, ...)`, which runs the coroutine in a fresh event loop in a thread of its
own and waits for it, within a deadline, so the same check works in a kernel, a script and
pytest. A plain answer is called the same way, by `call_within(limit, candidate, ...)`: no
wrong answer can hang the kernel, and what a thread left running prints never reaches a later
cell (see Sink and Router).
"""

import asyncio
import contextlib
import ctypes
import inspect
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from course.data import flag_gifs
from flagserver import FlagServer

TIMEOUT = 10.0  # seconds for each request the checks send themselves
DEADLINE = 10.0  # seconds an answer may run before the check gives up on it
PASSED, FAILED = "✓", "✗"  # the first character of every line check prints
WAITS = "не ждёт ли она без тайм-аута и нет ли бесконечного цикла?"  # a hint for call_within


Check = Callable[[Callable[..., Any], FlagServer], str]


class NotYet(Exception):
    """The answer does not work yet; the message says why, in words a student can act on."""


@dataclass(frozen=True)
class Exercise:
    name: str  # also the name of the function the student writes
    notebook: str  # the notebook's file name without .ipynb; solutions/{notebook}.py solves it
    run: Check


EXERCISES: dict[str, Exercise] = {}


def exercise(notebook: str) -> Callable[[Check], Check]:
    """Register a check: `@exercise("00_start_here") def flag_sizes(candidate, server): ...`."""

    def register(run: Check) -> Check:
        EXERCISES[run.__name__] = Exercise(run.__name__, notebook, run)
        return run

    return register


def verify(name: str, candidate: Callable[..., Any], server: FlagServer) -> tuple[bool, str]:
    """Run the check of exercise `name` on candidate: (passed?, the one line to show)."""
    if name not in EXERCISES:
        return (
            False,
            f"{FAILED} {name}: такого упражнения нет (есть: {', '.join(sorted(EXERCISES))})",
        )
    try:
        proof = EXERCISES[name].run(candidate, server)
    except NotYet as reason:
        return False, f"{FAILED} {name}: {reason}"
    except Exception as error:  # the student's code failed: say how, in one line
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return (
            False,
            f"{FAILED} {name}: ваша функция выбросила {type(error).__name__}: {first_line}",
        )
    return True, f"{PASSED} {name}: {proof}"


def check(name: str, candidate: Callable[..., Any], server: FlagServer | None) -> None:
    """Print one line: ✓ and what works, or ✗ and the reason it does not work yet."""
    print(verify(name, candidate, server)[1])


def root_of(server: FlagServer) -> str:
    return f"http://{server.host}:{server.port}"


class Late(NotYet):
    """The answer was still running at its deadline, and was cancelled (a check may say more)."""


class CheckOver(BaseException):  # noqa: N818  (not an error: the signal that the check ended)
    """Raised in a thread a check started once the check has ended: it stops that thread.

    A BaseException, so that the student's `except Exception:` does not swallow it.
    """


# Output. A check runs the student's function in a thread of its own. What that thread prints
# goes to the check's Sink: kept for the check to read (capture=True, a spinner's frames) or
# passed on to the notebook (capture=False, a student's debug prints), but only while the
# check runs. A thread cannot be killed, and redirect_stdout would swap sys.stdout for every
# thread at once; so while such a thread lives, sys.stdout and sys.stderr are a Router that
# sends the writes of each routed thread to its sink, and those of every other thread (the
# notebook's own cells) where they went before. Once the check has ended, a routed thread that
# prints gets CheckOver instead: its output never reaches a later cell, and the print stops it.

SINK_LIMIT = 1_000_000  # characters a capturing sink keeps: a runaway spinner cannot fill memory


class Sink:
    """Where the threads of one check write, until the check ends and closes it."""

    def __init__(self, capture: bool) -> None:
        self.capture, self.closed = capture, False
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str, router: "Router") -> int:
        if self.closed:
            if router.name == "stdout":
                raise CheckOver("the check has ended")
            return len(text)  # a traceback or log line of a stopped thread: dropped
        if not self.capture or router.name != "stdout":
            return router.target.write(text)
        if self.size < SINK_LIMIT:
            self.parts.append(text)
            self.size += len(text)
        return len(text)

    def getvalue(self) -> str:
        return "".join(self.parts)

    def close(self) -> None:
        self.closed = True


ROUTES: dict[threading.Thread, Sink] = {}  # the threads checks started, while they live
ROUTES_LOCK = threading.Lock()


class Router:
    """sys.stdout or sys.stderr while a check's thread lives: each thread's writes to its sink."""

    def __init__(self, name: str, target: Any) -> None:
        self.name, self.target = name, target

    def write(self, text: str) -> int:
        sink = ROUTES.get(threading.current_thread())
        if sink is None:
            uninstall_routers()  # no routed thread left alive: give the stream back
            return self.target.write(text)
        return sink.write(text, self)

    def flush(self) -> None:
        sink = ROUTES.get(threading.current_thread())
        if sink is None or not sink.capture:
            self.target.flush()

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno, set_parent (ipykernel)
        return getattr(self.target, name)


def install_routers() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, Router):
            setattr(sys, name, Router(name, stream))


def uninstall_routers() -> None:
    """Forget the threads that have ended; with none left, restore sys.stdout and sys.stderr."""
    with ROUTES_LOCK:
        for thread in [thread for thread in ROUTES if not thread.is_alive()]:
            del ROUTES[thread]
        if ROUTES:
            return
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if isinstance(stream, Router):
                setattr(sys, name, stream.target)


@contextlib.contextmanager
def routed(thread: threading.Thread, sink: Sink) -> Iterator[Sink]:
    """Route the output of `thread` (not started yet) to sink; close it when the check ends."""
    with ROUTES_LOCK:
        ROUTES[thread] = sink
        install_routers()
    try:
        yield sink
    finally:
        sink.close()
        uninstall_routers()


def stop_thread(thread: threading.Thread, wait: float = 1.0) -> bool:
    """Try to stop a thread a check started: True when it has ended.

    Python cannot kill a thread, but CPython can raise an exception in it
    (PyThreadState_SetAsyncExc): CheckOver arrives at the thread's next Python instruction,
    so a loop that never returns stops; a thread blocked in a long C call stops when it returns.
    """
    thread.join(0.1)
    if thread.is_alive() and thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(CheckOver)
        )
        thread.join(wait)
    uninstall_routers()  # if it has ended, sys.stdout and sys.stderr are the streams again
    return not thread.is_alive()


def still_running(thread: threading.Thread) -> str:
    """'' when the thread has ended; else the words that say how to recover, for a NotYet."""
    if stop_thread(thread):
        return ""
    return (
        "; она всё ещё работает в фоне (её вывод скрыт): "
        "перезапустите ядро Jupyter, чтобы её остановить"
    )


class Outcome:
    """What a call in a check's thread gave: its result or its exception, and when it ended."""

    def __init__(self) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.answered = threading.Event()  # the call returned or raised
        self.finished = threading.Event()  # and the thread cleaned up after it

    def get(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


def call_within(
    limit: float, candidate: Callable[..., Any], *args: Any, hint: str = "", **kwargs: Any
) -> Any:
    """Return candidate(*args, **kwargs), called in a thread of its own, within `limit` seconds.

    A synchronous answer may hang (a loop that retries forever, a wait without a timeout): the
    check waits at most `limit` seconds, then NotYet says so (hint: what may cause it), and the
    thread is stopped where Python allows. The answer's prints reach the notebook while the
    check runs, never later.
    """
    outcome = Outcome()

    def call() -> None:
        try:
            try:
                outcome.result = candidate(*args, **kwargs)
            except BaseException as error:  # noqa: BLE001  (handed to the check)
                outcome.error = error
            outcome.answered.set()
        except CheckOver:  # arrived late, after the answer: nothing to stop
            pass

    thread = threading.Thread(target=call, daemon=True, name=f"check {candidate.__name__}")
    with routed(thread, Sink(capture=False)):
        thread.start()
        answered = outcome.answered.wait(limit)
    if not answered:
        raise NotYet(
            f"{candidate.__name__}(...) всё ещё работала через {limit:g} с"
            f"{': ' + hint if hint else ''}{still_running(thread)}"
        )
    return outcome.get()


async def within(awaitable: Any, seconds: float, what: str) -> Any:
    """`await awaitable`, cancelled after `seconds`: then Late says `what` did not finish.

    A TimeoutError that the answer itself raised (its own `asyncio.timeout`) passes through.
    """
    try:
        async with asyncio.timeout(seconds) as deadline:
            return await awaitable
    except TimeoutError:
        if deadline.expired():
            raise Late(f"{what} всё ещё работала через {seconds:g} с: отменена") from None
        raise


STUCK_GRACE = 2.0  # seconds an async answer gets, after its deadline, to stop once cancelled
CLEANUP = 1.0  # seconds the tasks an answer left behind get to stop once cancelled
ABANDONED: list[Any] = []  # tasks that would not stop: kept, so no garbage collection runs them


def async_def(candidate: Callable[..., Any]) -> None:
    """The exercise asks for a coroutine function: say so in one line when it is a plain one."""
    if not inspect.iscoroutinefunction(candidate):
        raise NotYet(f"{candidate.__name__} — обычная функция: напишите её как `async def`")


def run_async(
    candidate: Callable[..., Any],
    *args: Any,
    deadline: float = DEADLINE,
    output: Sink | None = None,
) -> Any:
    """Return `await candidate(*args)`, run in a fresh event loop in a thread of its own.

    The caller may be inside a running loop (a Jupyter kernel), where asyncio.run would raise.
    The answer is cancelled after `deadline` seconds (Late, a NotYet, says so). An answer that
    blocks the loop (time.sleep) or swallows CancelledError cannot be cancelled: the check
    waits STUCK_GRACE more seconds, then gives up on it with a NotYet that says so. Tasks the
    answer left running are cancelled before the loop closes. What the answer prints goes to
    `output` (by default: to the notebook, while the check runs), never into a later cell.
    """
    async_def(candidate)
    what = f"{candidate.__name__}(...)"
    sink = output if output is not None else Sink(capture=False)
    outcome = Outcome()

    def quiet_after_the_check(loop: asyncio.AbstractEventLoop, context: dict) -> None:
        if not sink.closed:  # "Task exception was never retrieved"... while the check runs
            loop.default_exception_handler(context)

    def run_loop() -> None:
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(quiet_after_the_check)
        try:
            try:
                outcome.result = loop.run_until_complete(within(candidate(*args), deadline, what))
            except BaseException as error:  # noqa: BLE001  (handed to the check)
                outcome.error = error
            outcome.answered.set()
            left = asyncio.all_tasks(loop)
            for task in left:
                task.cancel()
            if left and not sink.closed:
                loop.run_until_complete(asyncio.wait(left, timeout=CLEANUP))
            loop.run_until_complete(loop.shutdown_asyncgens())
        except BaseException:  # noqa: BLE001, S110  (CheckOver: the check has given up)
            pass
        finally:
            ABANDONED.extend(task for task in asyncio.all_tasks(loop) if not task.done())
            loop.close()
            outcome.finished.set()

    thread = threading.Thread(target=run_loop, daemon=True, name=f"check {what}")
    with routed(thread, sink):
        thread.start()
        answered = outcome.answered.wait(deadline + STUCK_GRACE)
        if answered:
            outcome.finished.wait(CLEANUP + STUCK_GRACE)
    if not answered:
        raise NotYet(
            f"{what} всё ещё работала через {deadline + STUCK_GRACE:g} с, хотя её отменили "
            f"через {deadline:g} с: не блокирует ли она цикл событий вызовом time.sleep и не "
            f"глотает ли CancelledError?{still_running(thread)}"
        )
    stop_thread(thread)  # the loop has closed: the thread ends at once
    return outcome.get()


def timed(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """(call(*args, **kwargs), seconds it took)."""
    start = time.perf_counter()
    result = call(*args, **kwargs)
    return result, time.perf_counter() - start


def check_sizes(sizes: Any, codes: list[str]) -> None:
    """Raise NotYet unless `sizes` is {code: bytes in its GIF} for exactly these codes."""
    if not isinstance(sizes, dict):
        raise NotYet(f"вернула {type(sizes).__name__}, а нужен словарь {{код: размер}}")
    if sorted(sizes) != sorted(codes):
        raise NotYet(f"вернула {sizes!r}, а нужен размер для каждого из {codes}")
    gifs = flag_gifs()
    for cc in codes:
        if sizes[cc] != len(gifs[cc]):
            raise NotYet(
                f"размер {cc!r} = {sizes[cc]!r}, а в его GIF {len(gifs[cc])} байт "
                "(считайте байты: len(response.content))"
            )


def timed_get(url: str) -> tuple[int, float]:
    """GET url: (status, seconds it took)."""
    return timed(lambda: httpx.get(url, timeout=TIMEOUT).status_code)


ROUNDS_CODES = ["cn", "br", "fr", "jp"]  # 4 flags, at most 2 at a time: 2 rounds of requests
ROUNDS_LATENCY = 0.6  # seconds: 1 round (all at once) 0.6 s, 2 rounds 1.2 s, one by one 2.4 s


def rounds_of_requests(seconds: float) -> str:
    """'fast' when fewer than 2 rounds fit in seconds, 'slow' when about 4 did, else 'ok'."""
    if seconds < ROUNDS_LATENCY * 1.85:
        return "fast"
    return "slow" if seconds > ROUNDS_LATENCY * 3.5 else "ok"


def check_rounds(codes: Any, seconds: float, limit: str, pool: str) -> None:
    """Raise NotYet unless all ROUNDS_CODES came back in 2 rounds of requests, `limit` at once."""
    if not isinstance(codes, list | tuple) or sorted(codes) != sorted(ROUNDS_CODES):
        raise NotYet(f"вернула {codes!r}, а нужны коды {ROUNDS_CODES} в любом порядке")
    rounds = rounds_of_requests(seconds)
    if rounds == "fast":
        raise NotYet(
            f"4 флага при {limit}=2 пришли быстрее, чем за 2 волны запросов: одновременно "
            f"шло больше 2 ({pool})"
        )
    if rounds == "slow":
        raise NotYet(
            f"4 флага при {limit}=2 заняли столько же, сколько 4 запроса подряд: "
            "пусть 2 из них ждут одновременно"
        )
