"""course.exercises: every reference solution passes its check, every shipped starter does not;
the core (check, verify, deadlines) behaves the same for every exercise.
"""

import asyncio
import sys
import threading
import time

import pytest

from course.exercises import EXERCISES, check, verify
from course.exercises.core import STUCK_GRACE, NotYet, Router, call_within, run_async
from course.paths import NOTEBOOKS_DIR
from helpers import notebook_cells, solution, starter

NAMES = sorted(EXERCISES)


@pytest.mark.parametrize("name", NAMES)
def test_reference_solution_passes_its_check(name, flag_server):
    passed, line = verify(name, solution(name), flag_server)
    assert passed, line
    assert line.startswith(f"✓ {name}: ")


@pytest.mark.parametrize("name", NAMES)
def test_shipped_starter_fails_its_check_with_a_one_line_reason(name, flag_server, capfd, caplog):
    check(name, starter(name), flag_server)  # what a student sees under the check cell
    out, err = capfd.readouterr()
    line = out.removesuffix("\n")
    assert line.startswith(f"✗ {name}: "), f"the starter of {name} already passes: {line}"
    assert "\n" not in line and len(line) > len(f"✗ {name}: ") + 20  # a reason, on one line
    logged = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert err == "" and not logged, err + "".join(logged)  # nothing else, e.g. asyncio's log


@pytest.mark.parametrize("name", NAMES)
def test_notebook_checks_the_exercise_right_after_its_starter(name):
    sources = notebook_cells(name)
    index = next(i for i, source in enumerate(sources) if f"def {name}(" in source)
    assert sources[index + 1].strip() == f'check("{name}", {name}, server)'


def test_check_prints_one_line_when_the_answer_raises(flag_server, capsys):
    def broken(base_url: str, codes: list[str]) -> dict[str, int]:
        return {cc: 1 // 0 for cc in codes}

    check("flag_sizes", broken, flag_server)
    assert capsys.readouterr().out == (
        "✗ flag_sizes: ваша функция выбросила ZeroDivisionError: "
        "integer division or modulo by zero\n"
    )


def test_check_names_the_known_exercises_for_an_unknown_name(flag_server):
    passed, line = verify("no_such_exercise", print, flag_server)
    assert not passed
    assert line.startswith("✗ no_such_exercise: такого упражнения нет (есть: ")
    assert "flag_sizes" in line


def test_an_async_check_works_inside_a_running_event_loop(flag_server):
    async def in_a_kernel() -> tuple[bool, str]:  # a notebook's kernel runs an event loop
        return verify("flag_sizes_at_once", solution("flag_sizes_at_once"), flag_server)

    passed, line = asyncio.run(in_a_kernel())
    assert passed, line


def test_an_async_exercise_answered_with_a_plain_function_asks_for_async_def(flag_server):
    def not_a_coroutine(base_url: str, codes: list[str]) -> dict[str, int]:
        return {}

    passed, line = verify("flag_sizes_at_once", not_a_coroutine, flag_server)
    assert not passed
    assert line == (
        "✗ flag_sizes_at_once: not_a_coroutine — обычная функция: напишите её как `async def`"
    )


def test_every_notebook_with_exercises_has_its_module_of_checks():
    notebooks = {exercise.notebook for exercise in EXERCISES.values()}
    with_checks = {
        path.stem
        for path in NOTEBOOKS_DIR.glob("*.ipynb")
        if 'check(\\"' in path.read_text(encoding="utf-8")  # a check("name", ...) cell
    }
    assert notebooks == with_checks and "00_start_here" in notebooks
    for name, exercise in EXERCISES.items():
        module = exercise.run.__module__
        assert module == f"course.exercises.ex{exercise.notebook}", (name, module)


def test_an_async_answer_past_the_deadline_is_cancelled_with_a_one_line_reason():
    async def forever() -> None:
        await asyncio.sleep(3600)

    with pytest.raises(NotYet, match=r"forever\(\.\.\.\) всё ещё работала через 0.2 с"):
        run_async(forever, deadline=0.2)


def check_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("check ")]


def assert_quiet_afterwards(capsys) -> None:
    """Nothing the answer started keeps running or printing once the check has returned,
    and sys.stdout is the stream it was before."""
    stdout = sys.stdout
    capsys.readouterr()
    time.sleep(0.5)
    assert capsys.readouterr() == ("", "")
    assert not check_threads()
    assert sys.stdout is stdout and not isinstance(sys.stdout, Router)


def test_an_answer_that_blocks_the_loop_is_given_up_on_and_stopped(capsys):
    async def blocks() -> None:
        while True:
            time.sleep(0.1)  # noqa: ASYNC251  (the wrong answer: the deadline cannot cancel it)
            print("still here")

    start = time.perf_counter()
    with pytest.raises(NotYet) as reason:
        run_async(blocks, deadline=0.5)
    assert time.perf_counter() - start < 0.5 + STUCK_GRACE + 5
    assert "blocks(...) всё ещё работала через 2.5 с, хотя её отменили через 0.5 с" in (
        str(reason.value)
    )
    assert (
        "не блокирует ли она цикл событий вызовом time.sleep и не глотает ли CancelledError?"
        in str(reason.value)
    )
    assert "перезапустите ядро Jupyter" not in str(reason.value)
    assert_quiet_afterwards(capsys)  # its prints reached the check's own output, no later one


def test_an_answer_that_swallows_cancellation_quietly_is_stopped_too(capsys):
    async def swallows() -> None:
        while True:
            try:
                await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                pass  # prints nothing: the check stops the thread itself

    with pytest.raises(NotYet, match="глотает ли CancelledError"):
        run_async(swallows, deadline=0.3)
    assert_quiet_afterwards(capsys)


def test_tasks_an_answer_leaves_running_are_cancelled_before_the_loop_closes(capsys):
    async def leaves_a_task() -> int:
        async def ticks() -> None:
            while True:
                print("tick")
                await asyncio.sleep(0.05)

        asyncio.create_task(ticks())
        await asyncio.sleep(0.2)
        return 1

    assert run_async(leaves_a_task, deadline=2) == 1
    assert_quiet_afterwards(capsys)


def test_a_plain_answer_that_never_returns_is_given_up_on_and_stopped(capsys):
    def loops() -> None:
        while True:
            time.sleep(0.01)

    start = time.perf_counter()
    with pytest.raises(NotYet, match=r"loops\(\.\.\.\) всё ещё работала через 0.5 с: hint$"):
        call_within(0.5, loops, hint="hint")
    assert time.perf_counter() - start < 5
    assert_quiet_afterwards(capsys)


def test_a_plain_answer_prints_into_the_check_and_its_errors_reach_verify(capsys):
    def prints(x: int) -> int:
        print("debug", x)
        return 1 // x

    assert call_within(1, prints, 1) == 1
    assert capsys.readouterr().out == "debug 1\n"
    with pytest.raises(ZeroDivisionError):
        call_within(1, prints, 0)
