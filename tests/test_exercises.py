"""Exercises: every reference solution passes its check, every shipped starter does not."""

import asyncio
import json
import runpy
from pathlib import Path

import pytest

from flagserver.exercises import EXERCISES, check, verify

ROOT = Path(__file__).resolve().parent.parent
NAMES = sorted(EXERCISES)


def solution(name: str):
    """The reference solution: function `name` in solutions/{notebook}.py."""
    path = ROOT / "solutions" / f"{EXERCISES[name].notebook}.py"
    return runpy.run_path(str(path))[name]


def notebook_cells(name: str) -> list[str]:
    path = ROOT / "notebooks" / f"{EXERCISES[name].notebook}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def starter(name: str):
    """The starter as shipped: the notebook's code cell that defines `name`, run on its own."""
    sources = [source for source in notebook_cells(name) if f"def {name}(" in source]
    assert len(sources) == 1, f"expected one starter cell defining {name} in the notebook"
    namespace: dict = {}
    exec(compile(sources[0], f"<starter {name}>", "exec"), namespace)
    return namespace[name]


def test_there_are_exercises_for_the_start_notebook():
    assert {"flag_sizes", "scenario_url", "split_ok_failed"} <= set(NAMES)


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


def test_wrong_sizes_are_reported_with_the_expected_byte_count(flag_server):
    import httpx

    def counts_characters(base_url: str, codes: list[str]) -> dict[str, int]:
        return {cc: len(httpx.get(f"{base_url}/{cc}/{cc}.gif").text) for cc in codes}

    passed, line = verify("flag_sizes", counts_characters, flag_server)
    assert not passed
    assert "len(response.content)" in line


def test_scenario_url_without_the_delay_is_caught(flag_server):
    def no_delay(root: str, delay: float = 0, errors: float = 0) -> str:
        return f"{root}/errors/{errors}/flags"

    passed, line = verify("scenario_url", no_delay, flag_server)
    assert not passed
    assert "delay=0.3" in line


def test_there_are_exercises_for_the_futures_and_asyncio_notebooks():
    assert {"finishing_order", "download_with_timeout", "download_bounded"} <= set(NAMES)
    assert {"status_with_timeout", "download_limited", "flag_sizes_at_once"} <= set(NAMES)


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


def test_an_unbounded_pool_is_caught_by_its_timing(flag_server):
    from concurrent import futures

    import httpx

    def sequential(base_url: str, codes: list[str], max_workers: int) -> list[str]:
        return [cc for cc in codes if httpx.get(f"{base_url}/{cc}/{cc}.gif").is_success]

    def unbounded(base_url: str, codes: list[str], max_workers: int) -> list[str]:
        with futures.ThreadPoolExecutor(max_workers=len(codes)) as pool:
            return list(pool.map(lambda cc: httpx.get(f"{base_url}/{cc}/{cc}.gif") and cc, codes))

    assert "one after another" in verify("download_bounded", sequential, flag_server)[1]
    assert "more than 2" in verify("download_bounded", unbounded, flag_server)[1]


def test_an_escaping_timeout_is_named_in_the_message(flag_server):
    import httpx

    async def raises(base_url: str, cc: str, seconds: float) -> str:
        async with httpx.AsyncClient() as client, asyncio.timeout(seconds):
            await client.get(f"{base_url}/{cc}/{cc}.gif")
        return "ok"

    passed, line = verify("status_with_timeout", raises, flag_server)
    assert not passed
    assert "the TimeoutError escaped" in line
