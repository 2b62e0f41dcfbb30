"""course.exercises: every reference solution passes its check, every shipped starter does not;
the core (check, verify, deadlines) behaves the same for every exercise.
"""

import asyncio

import pytest

from course.exercises import EXERCISES, check, verify
from helpers import notebook_cells, solution, starter

NAMES = sorted(EXERCISES)


@pytest.mark.parametrize("name", NAMES)
def test_reference_solution_passes_its_check(name, flag_server):
    passed, line = verify(name, solution(name), flag_server)
    assert passed, line
    assert line.startswith(f"✅ {name}: ")


@pytest.mark.parametrize("name", NAMES)
def test_shipped_starter_fails_its_check_with_a_one_line_reason(name, flag_server):
    passed, line = verify(name, starter(name), flag_server)
    assert not passed, f"the starter of {name} already passes: {line}"
    assert line.startswith(f"❌ {name}: ")
    assert "\n" not in line and len(line) > len(f"❌ {name}: ") + 20  # a reason, on one line


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
        "❌ flag_sizes: your function raised ZeroDivisionError: "
        "integer division or modulo by zero\n"
    )


def test_check_names_the_known_exercises_for_an_unknown_name(flag_server):
    passed, line = verify("no_such_exercise", print, flag_server)
    assert not passed
    assert line.startswith("❌ no_such_exercise: no such exercise (known: ")
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
        "❌ flag_sizes_at_once: not_a_coroutine is a plain function: write it as `async def`"
    )


def test_every_notebook_with_exercises_has_its_module_of_checks():
    notebooks = {exercise.notebook for exercise in EXERCISES.values()}
    assert notebooks == {
        "00_start_here",
        "01_concurrency_models",
        "02_futures",
        "03_asyncio",
        "04_robust_downloads",
        "05_scaling",
    }
    for name, exercise in EXERCISES.items():
        module = exercise.run.__module__
        assert module == f"course.exercises.ex{exercise.notebook}", (name, module)


def test_an_async_answer_past_the_deadline_is_cancelled_with_a_one_line_reason():
    from course.exercises.core import NotYet, run_async

    async def forever() -> None:
        await asyncio.sleep(3600)

    with pytest.raises(NotYet, match=r"forever\(\.\.\.\) was still running after 0.2 s"):
        run_async(forever, deadline=0.2)
