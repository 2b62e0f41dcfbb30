"""The spinner scripts, each run alone from the repository root as a student would run it."""

import subprocess
import sys
import time

import pytest

from course.paths import REPO_ROOT

SPINNERS = ["spinner_thread.py", "spinner_asyncio.py", "spinner_process.py"]
BLOCKED = "spinner_asyncio_blocked.py"
ERASE = "\r" + " " * len("\r| thinking!") + "\r"  # what spin() prints when told to stop


@pytest.fixture(scope="module")
def runs() -> dict[str, tuple[subprocess.CompletedProcess[str], float]]:
    """Run all four spinner scripts at once (3 s in total): script -> (result, seconds)."""
    began = time.perf_counter()
    procs = {
        script: subprocess.Popen(
            [sys.executable, script], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for script in [*SPINNERS, BLOCKED]
    }
    results = {}
    for script, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=60)
        took = time.perf_counter() - began
        done = subprocess.CompletedProcess(
            proc.args, proc.returncode, stdout.decode(), stderr.decode()
        )
        results[script] = (done, took)
    return results


@pytest.mark.parametrize("script", SPINNERS)
def test_spinner_exits_0_and_prints_the_answer_last(runs, script):
    done, _ = runs[script]
    assert done.returncode == 0
    assert done.stderr == ""  # no traceback, no warning
    assert done.stdout.startswith("spinner object: <")
    assert done.stdout.endswith(ERASE + "Answer: 42\n")  # spinner erased, nothing after


@pytest.mark.parametrize("script", SPINNERS)
def test_spinner_redraws_in_place_with_carriage_returns_while_thinking(runs, script):
    done, took = runs[script]
    frames = done.stdout.count("\r") - ERASE.count("\r")
    assert "\b" not in done.stdout  # JupyterLab deletes characters on \b: nothing would show
    assert done.stdout.count(" thinking!") == frames
    assert frames >= 10  # ~30 frames in 3 s; generous for a busy machine
    assert took >= 3  # slow() really thinks for 3 seconds


def test_blocking_sleep_in_a_coroutine_freezes_the_asyncio_spinner(runs):
    done, took = runs[BLOCKED]
    assert done.returncode == 0
    assert done.stderr == ""
    assert done.stdout.startswith("spinner object: <Task pending")
    assert "thinking!" not in done.stdout  # the spinner task never got a turn
    assert done.stdout.endswith("\nAnswer: 42\n")
    assert took >= 3


def test_blocked_script_differs_from_spinner_asyncio_only_in_slow_and_its_docstring():
    normal = (REPO_ROOT / "spinner_asyncio.py").read_text().splitlines()
    blocked = (REPO_ROOT / BLOCKED).read_text().splitlines()
    changed = [line for line in blocked if line not in normal]
    assert any(line.strip().startswith("time.sleep(3)") for line in changed)
    assert "import time" in changed
    assert not any("async def" in line or "await" in line for line in changed)
