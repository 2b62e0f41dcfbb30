"""The spinner scripts, each run alone from the repository root as a student would run it."""

import re
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


# Spinners while slow() computes (a large prime) instead of sleeping.

PRIME_SPINNERS = [
    "spinner_prime_thread.py",
    "spinner_prime_asyncio.py",
    "spinner_prime_asyncio_nap.py",
]
ANSWER = re.compile(r"Answer: True \((?P<cpu>\d+\.\d+)s of CPU time\)\n\Z")


@pytest.fixture(scope="module")
def prime_runs() -> dict[str, tuple[subprocess.CompletedProcess[str], float]]:
    """Run the three prime spinners at once: script -> (result, seconds it ran)."""
    began = time.perf_counter()
    procs = {
        script: subprocess.Popen(
            [sys.executable, script], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for script in PRIME_SPINNERS
    }
    results = {}
    for script, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        done = subprocess.CompletedProcess(
            proc.args, proc.returncode, stdout.decode(), stderr.decode()
        )
        results[script] = (done, time.perf_counter() - began)
    return results


def cpu_seconds(done: subprocess.CompletedProcess[str]) -> float:
    """The CPU time the script says its check took (its last line)."""
    match = ANSWER.search(done.stdout)
    assert match, done.stdout[-200:]
    return float(match["cpu"])


@pytest.mark.parametrize("script", PRIME_SPINNERS)
def test_prime_spinner_exits_0_and_prints_the_answer_and_its_cpu_time_last(prime_runs, script):
    done, _ = prime_runs[script]
    assert done.returncode == 0
    assert done.stderr == ""
    assert done.stdout.startswith("spinner object: <")
    assert "\b" not in done.stdout
    assert cpu_seconds(done) > 0.1  # a real computation, not a sleep


@pytest.mark.parametrize("script", ["spinner_prime_thread.py", "spinner_prime_asyncio_nap.py"])
def test_spinner_keeps_turning_while_the_prime_is_checked(prime_runs, script):
    done, took = prime_runs[script]
    frames = done.stdout.count(" thinking!")
    assert frames >= 3 * cpu_seconds(done)  # ~10 per second; generous for a busy machine
    assert done.stdout.endswith(ERASE + ANSWER.search(done.stdout)[0])  # erased, then answer


def test_a_computing_coroutine_freezes_the_asyncio_spinner(prime_runs):
    done, _ = prime_runs["spinner_prime_asyncio.py"]
    assert done.stdout.count("thinking!") == 0  # the spinner task gets no turn until the end


def test_naps_cost_little_cpu_time(prime_runs):
    plain = cpu_seconds(prime_runs["spinner_prime_asyncio.py"][0])
    napping = cpu_seconds(prime_runs["spinner_prime_asyncio_nap.py"][0])
    assert napping < 1.5 * plain


def test_the_napping_is_prime_agrees_with_primes_is_prime():
    import asyncio

    from primes import is_prime
    from spinner_prime_asyncio_nap import is_prime as napping_is_prime

    async def all_of(numbers: list[int]) -> list[bool]:
        return [await napping_is_prime(n) for n in numbers]

    numbers = [*range(300), 1_000_003, 1_000_001, 10_007**2, 999_983 * 1_000_003]
    assert asyncio.run(all_of(numbers)) == [is_prime(n) for n in numbers]


def test_the_prime_is_a_large_prime():
    from spinner_prime_thread import PRIME

    assert PRIME > 10**15  # tens of millions of divisors: about a second of pure Python
    assert all(pow(base, PRIME - 1, PRIME) == 1 for base in (2, 3, 5, 7))  # Fermat: prime


def test_prime_scripts_differ_from_their_sleeping_versions_in_slow_only():
    for sleeping, computing in [
        ("spinner_thread.py", "spinner_prime_thread.py"),
        ("spinner_asyncio.py", "spinner_prime_asyncio.py"),
    ]:
        old = (REPO_ROOT / sleeping).read_text().split("def supervisor")[1].split("def main")[0]
        new = (REPO_ROOT / computing).read_text().split("def supervisor")[1].split("def main")[0]
        assert old.replace("-> int", "-> bool") == new.replace("-> int", "-> bool")
