"""course.sidebyside: run scripts from a notebook, one live or several side by side."""

import asyncio
import linecache
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from course.paths import REPO_ROOT
from course.sidebyside import (
    RunResult,
    diff_scripts,
    format_columns,
    import_script,
    render_line,
    run_script,
    run_side_by_side,
)


@pytest.fixture
def script(tmp_path):
    """Write a tiny script into a temporary folder and return its absolute path."""

    def write(name: str, code: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(code))
        return path

    return write


@pytest.fixture
def sleeper(script) -> Path:
    return script(
        "sleeper.py",
        """
        import os, sys, time
        print("pid", os.getpid(), flush=True)
        time.sleep(float(sys.argv[1]))
        print("slept", sys.argv[1])
        """,
    )


def test_scripts_side_by_side_run_at_the_same_time(sleeper, capsys):
    results = run_side_by_side([(sleeper, ["1"]), (sleeper, ["1"])])
    together = max(r.end for r in results) - min(r.start for r in results)
    assert all(r.ok and r.wall >= 1 for r in results)
    assert together < 0.75 * sum(r.wall for r in results)  # one after another would be ~1.0
    assert "all together:" in capsys.readouterr().out


def test_columns_show_each_scripts_output_exit_code_and_wall_time(sleeper, capsys):
    run_side_by_side([(sleeper, ["0.1"]), (sleeper, ["0.2"])])
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert header.startswith("sleeper.py 0.1") and "| sleeper.py 0.2" in header
    assert "slept 0.1" in out and "slept 0.2" in out
    assert out.count("exit 0, wall ") == 2


def test_a_failing_script_is_reported_with_its_exit_code_and_stderr(script, sleeper, capsys):
    failing = script(
        "failing.py", "import sys\nprint('oops: no server', file=sys.stderr)\nsys.exit(3)\n"
    )
    results = run_side_by_side([(sleeper, ["0.1"]), failing])
    assert [r.returncode for r in results] == [0, 3]
    assert not results[1].ok and results[1].stderr == "oops: no server\n"
    out = capsys.readouterr().out
    assert "FAILED, exit 3" in out
    assert "failing.py FAILED with exit code 3; its stderr:\noops: no server" in out


def test_run_script_reports_a_failure_after_the_scripts_own_output(script, capsys):
    failing = script("failing.py", "print('partial')\nraise SystemExit(2)\n")
    result = run_script(failing)
    assert result.returncode == 2
    assert capsys.readouterr().out == "partial\n\nfailing.py FAILED with exit code 2\n"


def test_env_is_passed_through_to_every_script(script, capsys):
    show_env = script("show_env.py", "import os\nprint(os.environ['FLAGS_BASE_URL'])\n")
    url = "http://127.0.0.1:9/delay/0.5/flags"
    assert run_script(show_env, env={"FLAGS_BASE_URL": url}).stdout == url + "\n"
    results = run_side_by_side([show_env, show_env], env={"FLAGS_BASE_URL": url})
    assert [r.stdout for r in results] == [url + "\n"] * 2


def test_scripts_run_with_the_kernels_python_in_the_repository_root(script, capsys):
    where = script("where.py", "import os, sys\nprint(sys.executable)\nprint(os.getcwd())\n")
    result = run_script(where)
    assert result.stdout.splitlines() == [sys.executable, str(REPO_ROOT)]


def test_paths_inside_the_course_are_shown_relative_to_it(script, capsys):
    inside = REPO_ROOT / "spinner_thread.py"
    shows = script("shows.py", f"print({str(inside)!r}, file=__import__('sys').stderr)\n")
    result = run_script(shows)
    assert capsys.readouterr().err == "spinner_thread.py\n"  # what the cell shows
    assert result.stderr == f"{inside}\n"  # what the script printed


def test_run_script_streams_output_as_it_arrives_not_at_the_end(script, capsys):
    ticker = script(
        "ticker.py",
        "import time\nprint('first', end='')\ntime.sleep(0.5)\nprint('\\rsecond')\n",
    )
    result = run_script(ticker)
    assert capsys.readouterr().out == "first\rsecond\n"
    assert result.end - result.events[0] >= 0.4  # "first" arrived while the script still slept
    assert result.events[-1] - result.events[0] >= 0.4
    assert result.screen() == "second"


def test_a_script_running_too_long_is_killed_and_reported(sleeper, capsys):
    began = time.perf_counter()
    with pytest.raises(TimeoutError, match="still running after 1 s"):
        run_script(sleeper, "30", timeout=1)
    assert time.perf_counter() - began < 10
    pid = int(capsys.readouterr().out.split()[1])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # no orphan left behind


def test_screen_keeps_what_a_terminal_shows_after_carriage_returns():
    assert render_line("\r| thinking!\r/ thinking!\r           \rAnswer: 42") == "Answer: 42"
    assert render_line("downloading\rDONE") == "DONEloading"


def test_long_lines_are_cut_so_varying_text_does_not_move_the_columns():
    def result(text: str) -> RunResult:
        return RunResult("a.py", 0, text, "", start=0.0, end=1.0)

    short_path = format_columns([result("x" * 50 + "/a\n"), result("ok\n")], width=20)
    long_path = format_columns([result("x" * 50 + "/long/path\n"), result("ok\n")], width=20)
    assert short_path == long_path
    assert "x" * 19 + "~ | ok" in short_path


def test_diff_scripts_prints_only_the_lines_that_changed(capsys):
    diff_scripts("spinner_thread.py", "spinner_process.py")
    out = capsys.readouterr().out
    assert out.startswith("--- spinner_thread.py\n+++ spinner_process.py\n")
    assert "+from multiprocessing import Event, Process" in out


def test_an_imported_script_shows_its_path_relative_to_the_course():
    spinner = import_script("spinner_asyncio")
    assert spinner.__name__ == "spinner_asyncio" and callable(spinner.supervisor)

    async def show_task() -> str:
        task = asyncio.create_task(spinner.spin("x"))
        shown = repr(task)
        task.cancel()
        return shown

    assert "running at spinner_asyncio.py:14>" in asyncio.run(show_task())
    assert linecache.getline("spinner_asyncio.py", 14).startswith("async def spin(")  # tracebacks


def test_a_failed_runs_stderr_is_shown_as_a_terminal_leaves_it(script, capsys):
    bar = script("bar.py", "import sys\nsys.stderr.write('10%\\r50%\\r100%\\n')\nsys.exit(1)\n")
    run_side_by_side([bar])
    out = capsys.readouterr().out
    assert out.endswith("bar.py FAILED with exit code 1; its stderr:\n100%\n")
