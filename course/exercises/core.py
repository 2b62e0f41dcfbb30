"""The core of the exercise checks: one call tells a student, in one line, whether an answer works.

    >>> from course import check
    >>> check("flag_sizes", flag_sizes, server)      # server = start_server()
    ❌ flag_sizes: returned {}, expected a size for each of ['cn', 'br', 'fr']
    >>> check("flag_sizes", flag_sizes, server)      # after the fix
    ✅ flag_sizes: works: the sizes of cn, br, fr, jp, de match the server's GIFs

Each exercise is a function registered with `@exercise("NN_notebook")` in the module of its
notebook (`course/exercises/exNN_notebook.py`): it tries the student's function (the
candidate) against the real flag server and raises `NotYet(reason)` when the answer does not
work yet, or returns what it proved. The notebooks call `check`; tests/test_exercises.py calls
`verify` with the same checks on the reference solutions in solutions/ (they must pass) and on
the starters shipped in the notebooks (they must not).

Async exercises (`async def` answers) are checked with the same `check` call. A notebook's
kernel already runs an event loop, so a check cannot `asyncio.run` there: it calls
`run_async(candidate, ...)`, which runs the coroutine in a fresh event loop in a worker thread
and waits for it, within a deadline, so the same check works in a kernel, a script and pytest.
"""

import asyncio
import inspect
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import httpx

from flagserver import FlagServer

TIMEOUT = 10.0  # seconds for each request the checks send themselves
DEADLINE = 30.0  # seconds an async answer may run before the check gives up on it

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
        return False, f"❌ {name}: no such exercise (known: {', '.join(sorted(EXERCISES))})"
    try:
        proof = EXERCISES[name].run(candidate, server)
    except NotYet as reason:
        return False, f"❌ {name}: {reason}"
    except Exception as error:  # the student's code failed: say how, in one line
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return False, f"❌ {name}: your function raised {type(error).__name__}: {first_line}"
    return True, f"✅ {name}: {proof}"


def check(name: str, candidate: Callable[..., Any], server: FlagServer | None) -> None:
    """Print one line: ✅ and what works, or ❌ and the reason it does not work yet."""
    print(verify(name, candidate, server)[1])


def root_of(server: FlagServer) -> str:
    return f"http://{server.host}:{server.port}"


async def within(awaitable: Any, seconds: float, what: str) -> Any:
    """`await awaitable`, cancelled after `seconds`: then NotYet says `what` did not finish.

    A TimeoutError that the answer itself raised (its own `asyncio.timeout`) passes through.
    """
    try:
        async with asyncio.timeout(seconds) as deadline:
            return await awaitable
    except TimeoutError:
        if deadline.expired():
            raise NotYet(f"{what} was still running after {seconds:g} s: cancelled") from None
        raise


def run_async(candidate: Callable[..., Any], *args: Any, deadline: float = DEADLINE) -> Any:
    """Return `await candidate(*args)`, run in a fresh event loop in a worker thread.

    The caller may be inside a running loop (a Jupyter kernel), where asyncio.run would raise.
    The answer is cancelled after `deadline` seconds (NotYet says so).
    """
    if not inspect.iscoroutinefunction(candidate):
        raise NotYet(f"{candidate.__name__} is a plain function: write it as `async def`")
    what = f"{candidate.__name__}(...)"
    with futures.ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(lambda: asyncio.run(within(candidate(*args), deadline, what))).result()


def timed(call: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """(call(*args), seconds it took)."""
    start = time.perf_counter()
    result = call(*args)
    return result, time.perf_counter() - start


def timed_get(url: str) -> tuple[int, float]:
    """GET url: (status, seconds it took)."""
    start = time.perf_counter()
    status = httpx.get(url, timeout=TIMEOUT).status_code
    return status, time.perf_counter() - start


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
        raise NotYet(f"returned {codes!r}, expected the codes {ROUNDS_CODES} in any order")
    rounds = rounds_of_requests(seconds)
    if rounds == "fast":
        raise NotYet(
            f"4 flags with {limit}=2 came back in fewer than 2 rounds of requests: more than 2 "
            f"were in flight at once ({pool})"
        )
    if rounds == "slow":
        raise NotYet(
            f"4 flags with {limit}=2 took as long as 4 requests one after another: "
            "let 2 of them wait at the same time"
        )
