"""Checks of notebook 01 (threads, asyncio, processes): spinners and a process pool.

These checks need no flag server: notebook 01 passes server=None.
"""

import asyncio
import contextlib
import inspect
import io
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from course.exercises.core import (
    NotYet,
    exercise,
    run_async,
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
    done, output = threading.Event(), io.StringIO()
    spinner = threading.Thread(target=candidate, args=("thinking!", done), daemon=True)
    with contextlib.redirect_stdout(output):
        spinner.start()
        time.sleep(SPIN_SECONDS)
        done.set()
        spinner.join(STOP_WITHIN)
    if spinner.is_alive():
        raise NotYet(
            f"still spinning {STOP_WITHIN:g} s after done.set(): "
            "pause with done.wait(0.1) and break when it returns True"
        )
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


@exercise(NOTEBOOK)
def clean_supervisor(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """async clean_supervisor() -> 42, with the spinner task stopped and its line erased."""
    if not inspect.iscoroutinefunction(candidate):
        raise NotYet(f"{candidate.__name__} is a plain function: write it as `async def`")

    async def watch() -> tuple[Any, bool, list[int]]:
        """(answer, did CancelledError escape?, cancel requests of each task still running)."""
        try:
            result, escaped = await candidate(), False
        except asyncio.CancelledError:
            result, escaped = None, True
        running = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        return result, escaped, [task.cancelling() for task in running]

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        result, escaped, running = run_async(watch)
    printed = output.getvalue()
    if len(spinner_frames(printed)) < 2:
        raise NotYet(
            "the spinner drew no frames while slow() ran: start it with asyncio.create_task "
            "before `await slow()`, and never block the loop (time.sleep freezes it)"
        )
    if escaped:
        raise NotYet(
            "CancelledError escaped from clean_supervisor: let spin catch it "
            "(except asyncio.CancelledError: break), as in spinner_asyncio.py"
        )
    if result != 42:
        raise NotYet(f"returned {result!r}, expected the answer of slow(): 42")
    if running and not any(running):
        raise NotYet(
            "the spinner task still runs after clean_supervisor returned: stop it with "
            "spinner.cancel()"
        )
    if running:
        raise NotYet(
            "spinner.cancel() only asks the task to stop, and clean_supervisor returned before "
            "it did: `await spinner` after cancel(), then return"
        )
    if render_line(printed).strip():
        raise NotYet(
            f"clean_supervisor returned while the line still shows "
            f"{render_line(printed).strip()!r}: the spinner must erase it before you return"
        )
    return "works: the answer is 42, the spinner has stopped and its line is erased"


PARALLEL_ITEMS = [1_000_003, 1_000_000, 2_147_483_647, 999_983, 12, 7, 1, 1_000_033]


def prime_and_pid(n: int) -> tuple[bool, int]:
    """(is n prime?, id of the process that computed it): the function parallel_map gets.

    `is_prime` is the one of primes.py, the script notebook 01 writes (REPO_ROOT is on the
    path of a pool's worker processes too: they get this process's sys.path).
    """
    from primes import is_prime

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

    results = list(candidate(prime_and_pid, list(PARALLEL_ITEMS)))
    expected = [is_prime(n) for n in PARALLEL_ITEMS]
    got = [result[0] if isinstance(result, tuple) else result for result in results]
    if got != expected:
        raise NotYet(
            f"fn(item) for {len(PARALLEL_ITEMS)} items gave {got}, expected {expected} "
            "(one result per item, in the order of items)"
        )
    if os.getpid() in {pid for _, pid in results}:
        raise NotYet(
            "the results are right, but fn ran inside this very process, whose threads take turns "
            "holding its one GIL: pure-Python computing gets no faster; use a pool of processes"
        )
    return "works: every call ran in a worker process, each with its own interpreter and GIL"
