"""The race scripts of notebook 06: race_counter.py, flags_tally.py, mp_counter.py.

Each loses updates without its lock (in at least 9 of 10 runs) and none with it (in 10 of 10).
"""

import os
import re
import subprocess
import sys

import pytest

from course.paths import REPO_ROOT

LOST = re.compile(r"(\d+) (?:updates )?lost")


def run(script: str, *args: str, cwd=REPO_ROOT, env=None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(REPO_ROOT / script), *args]
    env = {**os.environ, **(env or {})}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def lost(proc: subprocess.CompletedProcess) -> int:
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    match = LOST.search(proc.stdout)
    assert match, proc.stdout
    return int(match[1])


def import_counter():
    sys.path.insert(0, str(REPO_ROOT))
    try:
        import race_counter
    finally:
        sys.path.remove(str(REPO_ROOT))
    return race_counter


def test_the_counter_loses_updates_in_at_least_9_of_10_runs_and_none_with_the_lock():
    race_counter = import_counter()
    should = race_counter.THREADS * race_counter.INCREMENTS
    unsafe = [race_counter.count(race_counter.Counter(), 4, 1000) for _ in range(10)]
    locked = [race_counter.count(race_counter.LockedCounter(), 4, 1000) for _ in range(10)]
    assert sum(value < should for value in unsafe) >= 9, unsafe
    assert locked == [should] * 10


def test_race_counter_runs_alone_and_prints_the_lost_updates():
    assert lost(run("race_counter.py")) > 0
    assert lost(run("race_counter.py", "--lock")) == 0


@pytest.mark.parametrize("script", ["race_counter.py", "flags_tally.py", "mp_counter.py"])
def test_a_wrong_argument_gets_the_usage_line(script):
    proc = run(script, "--locks")
    assert proc.returncode == 1
    assert proc.stderr == f"usage: python {script} [--lock]\n"


def test_the_status_tally_loses_answers_without_the_lock_and_none_with_it(flag_server):
    env = {"FLAGS_BASE_URL": flag_server.url_for(delay=0.2, errors=0.25)}
    unsafe = [lost(run("flags_tally.py", env=env)) for _ in range(10)]
    locked = [run("flags_tally.py", "--lock", env=env) for _ in range(3)]
    assert sum(n > 0 for n in unsafe) >= 9, unsafe
    for proc in locked:
        assert lost(proc) == 0
        assert "20 answers, counted 20: {200: 17, 503: 3}: 0 lost" in proc.stdout


def test_the_tally_without_a_server_says_so_in_one_line():
    proc = run("flags_tally.py", env={"FLAGS_BASE_URL": "http://127.0.0.1:9/flags"})
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "No flag server at http://127.0.0.1:9/flags: start one with `python -m flagserver`"
    ]


def test_the_shared_value_loses_updates_without_its_lock_and_none_with_it():
    unsafe = [lost(run("mp_counter.py")) for _ in range(10)]
    assert sum(n > 0 for n in unsafe) >= 9, unsafe
    assert [lost(run("mp_counter.py", "--lock")) for _ in range(3)] == [0, 0, 0]


def test_the_shared_value_works_under_the_spawn_start_method_too():
    code = (
        "import multiprocessing as mp, mp_counter;"
        "mp.set_start_method('spawn');"
        "print(mp_counter.count(2, 50, locked=True))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "100\n"
