"""Checks of notebook 01 (threads, asyncio, processes): spinners and a process pool.

These checks need no flag server: notebook 01 passes server=None.
"""

import asyncio
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
    async_def,
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
            f"спиннер всё ещё крутится через {STOP_WITHIN:g} с после done.set(): ждите "
            f"done.wait(0.1) и выходите из цикла (break), когда он вернёт True"
            f"{still_running(spinner)}"
        )
    outcome.get()
    printed = output.getvalue()
    frames = spinner_frames(printed)
    if not printed.startswith("\r"):
        raise NotYet(
            "начинайте каждый кадр с \\r (возврат каретки), чтобы он рисовался поверх прошлого"
        )
    if len(frames) < 3:
        raise NotYet(
            f"кадров за {SPIN_SECONDS:g} с: {len(frames)}, а нужно рисовать кадр примерно "
            "каждые 0,1 с"
        )
    seconds = [re.findall(r"(\d+(?:\.\d+)?) ?s\b", frame) for frame in frames]
    if not all(seconds):
        raise NotYet(
            "в кадрах нет секунд: допишите в конец каждого кадра секунды с начала работы "
            "spin, например '| thinking! 0.3s'"
        )
    shown = [float(found[-1]) for found in seconds]
    if shown != sorted(shown) or shown[-1] - shown[0] < SPIN_SECONDS / 2:
        raise NotYet(
            f"за {SPIN_SECONDS:g} с работы кадры показали {shown[0]:g}s ... {shown[-1]:g}s: "
            "показывайте time.perf_counter() - start, где start запомнен один раз, до цикла"
        )
    if render_line(printed).strip():
        raise NotYet(
            f"спиннер остановился, а в строке осталось {render_line(printed).strip()!r}: "
            "сотрите её пробелами по длине последнего (самого длинного) кадра"
        )
    return "работает: кадры считают секунды на одном месте, а в конце строка чистая"


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
    async_def(candidate)

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
            "спиннер не нарисовал ни кадра, пока работала slow(): запустите его "
            "asyncio.create_task до `await slow()` и не блокируйте цикл событий (time.sleep "
            "его замораживает)"
        )
    if supervised.late and any(not task.cancelling for task in running):
        raise NotYet(
            f"ваш спиннер всё ещё работал через {SUPERVISOR_DEADLINE:g} с, и clean_supervisor "
            "ждала его: а вы его отменили? Сначала spinner.cancel(), потом `await spinner`"
        )
    if supervised.late and running:
        raise NotYet(
            f"спиннер всё ещё работал через {SUPERVISOR_DEADLINE:g} с, хотя его отменили: spin "
            "не должна глотать CancelledError: стирайте строку в `finally`, а отмену "
            "пропускайте дальше"
        )
    if supervised.late:
        raise NotYet(
            f"clean_supervisor всё ещё работала через {SUPERVISOR_DEADLINE:g} с, хотя slow() "
            "идёт 1 с: верните её ответ, как только спиннер остановится"
        )
    if supervised.escaped:
        raise NotYet(
            "CancelledError вылетела из clean_supervisor: `await spinner` выбрасывает ту "
            "отмену, которую вы заказали; поймайте её там (except asyncio.CancelledError), как "
            "это делает supervisor в spinner_asyncio.py"
        )
    if supervised.result != 42:
        raise NotYet(f"вернула {supervised.result!r}, а нужен ответ slow(): 42")
    if any(not task.cancelling for task in running):
        raise NotYet(
            "задача спиннера всё ещё работает, когда clean_supervisor уже вернула ответ: "
            "остановите её вызовом spinner.cancel()"
        )
    if running:
        raise NotYet(
            "spinner.cancel() только просит задачу остановиться, а clean_supervisor вернула "
            "ответ раньше, чем та остановилась: после cancel() напишите `await spinner`, "
            "потом return"
        )
    if any(task.cancelling and not task.waited for task in supervised.tasks):
        raise NotYet(
            "спиннер остановился вовремя случайно: clean_supervisor его не дождалась "
            "(asyncio.sleep(0) даёт ему один оборот цикла событий, а спиннер, которому нужно "
            "два, ещё работал бы): после cancel() напишите `await spinner`, потом return"
        )
    if render_line(printed).strip():
        raise NotYet(
            f"clean_supervisor вернула ответ, а в строке ещё видно "
            f"{render_line(printed).strip()!r}: спиннер должен стереть её до того, как вы "
            "вернёте ответ"
        )
    return "работает: ответ 42, спиннер остановлен, и его строка стёрта"


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
            hint="не ждёт ли она результата, который никогда не придёт?",
        )
    )
    expected = [is_prime(n) for n in PARALLEL_ITEMS]
    got = [result[0] if isinstance(result, tuple) else result for result in results]
    if got != expected:
        raise NotYet(
            f"fn(item) для {len(PARALLEL_ITEMS)} элементов дала {got}, а нужно {expected} "
            "(по результату на элемент, в порядке items)"
        )
    pids = {result[1] for result in results if isinstance(result, tuple)}
    if os.getpid() in pids:
        raise NotYet(
            "результаты верные, но fn работала в этом же процессе, где потоки по очереди "
            "держат один GIL: счёт на чистом Python так не ускорить; возьмите пул процессов"
        )
    cores = min(2, os.cpu_count() or 1)
    if len(pids) < cores:
        raise NotYet(
            f"все {len(PARALLEL_ITEMS)} вызовов прошли в одном рабочем процессе, друг за другом, "
            f"хотя ядер процессора у вас {os.cpu_count()}: не задавайте max_workers, и "
            "ProcessPoolExecutor() запустит по процессу на ядро"
        )
    return (
        f"работает: вызовы шли в {len(pids)} рабочих процессах одновременно, у каждого свой "
        "интерпретатор и свой GIL"
    )
