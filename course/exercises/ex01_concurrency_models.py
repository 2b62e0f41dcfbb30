"""Checks of notebook 01 (threads, asyncio, processes): spinners and a process pool.

These checks need no flag server: notebook 01 passes server=None.
"""

import asyncio
import inspect
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from course.exercises.core import (
    CheckOver,
    NotYet,
    Outcome,
    Sink,
    call_within,
    exercise,
    routed,
    run_async,
    still_running,
)
from course.paths import REPO_ROOT
from course.sidebyside import render_line
from flagserver import FlagServer

NOTEBOOK = "01_concurrency_models"

SPIN_SECONDS = 1.0  # how long the checks let a spinner spin before they stop it
STOP_WITHIN = 2.0  # seconds a spinner may take to stop once asked


def spinner_frames(output: str) -> list[str]:
    """The frames a spinner drew: the non-blank pieces between carriage returns."""
    return [part for part in output.split("\r") if part.strip()]


@exercise(NOTEBOOK)
def spin_elapsed(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """spin_elapsed(msg, done): a thread spinner whose frames show the seconds since it began."""
    done, outcome = threading.Event(), Outcome()

    def spin() -> None:
        try:
            candidate("thinking!", done)
        except CheckOver:  # it printed after the check ended: stopped, as it should be
            pass
        except BaseException as error:  # noqa: BLE001  (handed to the check)
            outcome.error = error

    spinner = threading.Thread(target=spin, daemon=True, name="check spin_elapsed")
    with routed(spinner, Sink(capture=True)) as output:  # its frames, kept from the notebook
        try:
            spinner.start()
            time.sleep(SPIN_SECONDS)
        finally:
            done.set()
        spinner.join(STOP_WITHIN)
        stuck = spinner.is_alive()
    if stuck:  # without `break` it spins flat out: the closed sink stops it at its next print
        raise NotYet(
            f"still spinning {STOP_WITHIN:g} s after done.set(): "
            f"pause with done.wait(0.1) and break when it returns True{still_running(spinner)}"
        )
    outcome.get()
    printed = output.getvalue()
    frames = spinner_frames(printed)
    if not printed.startswith("\r"):
        raise NotYet(
            "start every frame with \\r (carriage return), so it is drawn over the last one"
        )
    if len(frames) < 3:
        raise NotYet(
            f"drew {len(frames)} frame(s) in {SPIN_SECONDS:g} s: draw one about every 0.1 s"
        )
    seconds = [re.findall(r"(\d+(?:\.\d+)?) ?s\b", frame) for frame in frames]
    if not all(seconds):
        raise NotYet(
            "the frames show no elapsed time: end each frame with the seconds since spin "
            "began, like '| thinking! 0.3s'"
        )
    shown = [float(found[-1]) for found in seconds]
    if shown != sorted(shown) or shown[-1] - shown[0] < SPIN_SECONDS / 2:
        raise NotYet(
            f"in {SPIN_SECONDS:g} s of spinning the frames went {shown[0]:g}s ... {shown[-1]:g}s: "
            "show time.perf_counter() - start, with start taken once, when spin begins"
        )
    if render_line(printed).strip():
        raise NotYet(
            f"after the spinner stopped the line still shows {render_line(printed).strip()!r}: "
            "erase it with as many blanks as the last (longest) frame"
        )
    return "works: the frames count the seconds in place, and the line is clean at the end"


SUPERVISOR_DEADLINE = 4.0  # seconds clean_supervisor may take (slow() takes 1 s)


class WatchedTask(asyncio.Task):
    """A task that notes whether anyone waited for it to finish.

    `await task` calls __await__; asyncio.gather, wait, wait_for and a TaskGroup call
    add_done_callback. `task.cancel(); await asyncio.sleep(0)` does neither.
    """

    waited = False

    def __await__(self) -> Any:
        self.waited = True
        return super().__await__()

    def add_done_callback(self, fn: Any, *, context: Any = None) -> None:
        self.waited = True
        super().add_done_callback(fn, context=context)


@dataclass(frozen=True)
class TaskState:
    done: bool
    cancelling: int  # cancel() requests it got
    waited: bool


@dataclass(frozen=True)
class Supervised:
    result: Any
    escaped: bool  # did CancelledError escape from the answer?
    late: bool  # was it still running at SUPERVISOR_DEADLINE?
    tasks: list[TaskState]  # every task the answer created, when it returned (or was late)


@exercise(NOTEBOOK)
def clean_supervisor(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """async clean_supervisor() -> 42, with the spinner task stopped and its line erased."""
    if not inspect.iscoroutinefunction(candidate):
        raise NotYet(f"{candidate.__name__} is a plain function: write it as `async def`")

    async def watch() -> Supervised:
        """Run the answer; note each task it created, as it was the moment the answer returned:
        before the loop takes another turn (a spinner that was only cancelled still runs)."""
        created: list[WatchedTask] = []

        def states() -> list[TaskState]:
            return [TaskState(t.done(), t.cancelling(), t.waited) for t in created]

        async def supervise() -> Supervised:
            try:
                result = await candidate()
            except asyncio.CancelledError:
                return Supervised(None, True, False, states())
            return Supervised(result, False, False, states())

        def factory(loop: asyncio.AbstractEventLoop, coro: Any, context: Any = None) -> Any:
            created.append(WatchedTask(coro, loop=loop, context=context))
            return created[-1]

        supervisor = asyncio.create_task(supervise())
        asyncio.get_running_loop().set_task_factory(factory)  # the tasks the answer creates
        finished, _ = await asyncio.wait({supervisor}, timeout=SUPERVISOR_DEADLINE)
        if finished:
            return supervisor.result()
        late = Supervised(None, False, True, states())
        supervisor.cancel()
        await asyncio.wait({supervisor}, timeout=1.0)
        return late

    watch.__name__ = candidate.__name__  # what run_async names if the loop itself gets stuck
    output = Sink(capture=True)
    supervised = run_async(watch, deadline=SUPERVISOR_DEADLINE + 2, output=output)
    printed = output.getvalue()
    running = [task for task in supervised.tasks if not task.done]
    if len(spinner_frames(printed)) < 2:
        raise NotYet(
            "the spinner drew no frames while slow() ran: start it with asyncio.create_task "
            "before `await slow()`, and never block the loop (time.sleep freezes it)"
        )
    if supervised.late and any(not task.cancelling for task in running):
        raise NotYet(
            f"your spinner was still running after {SUPERVISOR_DEADLINE:g} s, and "
            "clean_supervisor waited for it: did you cancel it? spinner.cancel(), then "
            "`await spinner`"
        )
    if supervised.late and running:
        raise NotYet(
            f"the spinner was still running {SUPERVISOR_DEADLINE:g} s later although it was "
            "cancelled: spin must not swallow CancelledError: erase the line in `finally` and "
            "let the cancellation propagate"
        )
    if supervised.late:
        raise NotYet(
            f"clean_supervisor was still running after {SUPERVISOR_DEADLINE:g} s, although "
            "slow() takes 1 s: return its answer once the spinner has stopped"
        )
    if supervised.escaped:
        raise NotYet(
            "CancelledError escaped from clean_supervisor: `await spinner` raises the "
            "cancellation you asked for; catch it there (except asyncio.CancelledError), as "
            "supervisor does in spinner_asyncio.py"
        )
    if supervised.result != 42:
        raise NotYet(f"returned {supervised.result!r}, expected the answer of slow(): 42")
    if any(not task.cancelling for task in running):
        raise NotYet(
            "the spinner task still runs after clean_supervisor returned: stop it with "
            "spinner.cancel()"
        )
    if running:
        raise NotYet(
            "spinner.cancel() only asks the task to stop, and clean_supervisor returned before "
            "it did: `await spinner` after cancel(), then return"
        )
    if any(task.cancelling and not task.waited for task in supervised.tasks):
        raise NotYet(
            "the spinner stopped in time only by luck: clean_supervisor never waited for it "
            "(asyncio.sleep(0) gives it one turn of the loop, and a spinner that needs two "
            "would still run): `await spinner` after cancel(), then return"
        )
    if render_line(printed).strip():
        raise NotYet(
            f"clean_supervisor returned while the line still shows "
            f"{render_line(printed).strip()!r}: the spinner must erase it before you return"
        )
    return "works: the answer is 42, the spinner has stopped and its line is erased"


PARALLEL_ITEMS = [1_000_003, 1_000_000, 2_147_483_647, 999_983, 12, 7, 1, 1_000_033]


PARALLEL_PAUSE = 0.1  # seconds each call takes at least: a pool of 2+ processes shares the items
PARALLEL_LIMIT = 20.0  # seconds parallel_map may take (2 workers: about 0.5 s, and their start)


def prime_and_pid(n: int) -> tuple[bool, int]:
    """(is n prime?, id of the process that computed it): the function parallel_map gets.

    `is_prime` is the one of primes.py, the script notebook 01 writes (REPO_ROOT is on the
    path of a pool's worker processes too: they get this process's sys.path). A pool pickles
    this function by its name, course.exercises.ex01_concurrency_models.prime_and_pid, which
    a worker imports: that works with every start method (fork, spawn, forkserver). The pause
    lets every worker of the pool take items before one of them has done them all.
    """
    from primes import is_prime

    time.sleep(PARALLEL_PAUSE)
    return is_prime(n), os.getpid()


def scripts_importable() -> None:
    """Let `import primes` find the course's scripts (appended to the path: shadows nothing)."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.append(str(REPO_ROOT))


@exercise(NOTEBOOK)
def parallel_map(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """parallel_map(fn, items) -> [fn(item) for item in items], computed in worker processes."""
    scripts_importable()
    from primes import is_prime

    results = list(
        call_within(
            PARALLEL_LIMIT,
            candidate,
            prime_and_pid,
            list(PARALLEL_ITEMS),
            hint="does it wait for a result that never comes?",
        )
    )
    expected = [is_prime(n) for n in PARALLEL_ITEMS]
    got = [result[0] if isinstance(result, tuple) else result for result in results]
    if got != expected:
        raise NotYet(
            f"fn(item) for {len(PARALLEL_ITEMS)} items gave {got}, expected {expected} "
            "(one result per item, in the order of items)"
        )
    pids = {result[1] for result in results if isinstance(result, tuple)}
    if os.getpid() in pids:
        raise NotYet(
            "the results are right, but fn ran inside this very process, whose threads take turns "
            "holding its one GIL: pure-Python computing gets no faster; use a pool of processes"
        )
    cores = min(2, os.cpu_count() or 1)
    if len(pids) < cores:
        raise NotYet(
            f"every one of the {len(PARALLEL_ITEMS)} calls ran in the same worker process, one "
            f"after another, although this machine has {os.cpu_count()} cores: leave out "
            "max_workers, and ProcessPoolExecutor() starts a process per core"
        )
    return (
        f"works: the calls ran in {len(pids)} worker processes at once, each with its own "
        "interpreter and GIL"
    )
