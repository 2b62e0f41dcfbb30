"""dask_cluster.py, primes_dask.py and flags_dask.py (notebook 09), run alone as real processes.

Each starts its own LocalCluster on 127.0.0.1 (unless DASK_SCHEDULER_ADDRESS names one) and must
leave no worker process behind: not after a normal run, not after Ctrl-C or SIGTERM.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from course.data import COURSE_CODES
from course.paths import REPO_ROOT
from flagserver import free_port

TIMEOUT = 90  # seconds: a cluster starts in a few seconds even on a busy machine


def env_for(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DASK_SCHEDULER_ADDRESS"}
    return {**env, **extra}


def run(script: str, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / script), *args],
        cwd=cwd,
        env=env_for(**env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def processes_in(folder: Path) -> list[psutil.Process]:
    """Processes whose current folder is `folder`: a script's cluster workers inherit it."""
    found = []
    for process in psutil.process_iter():
        try:
            if Path(process.cwd()) == folder and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


def assert_nothing_left_in(folder: Path) -> None:
    deadline = time.monotonic() + 10  # the workers notice their parent's exit
    while processes_in(folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = processes_in(folder)
    for process in left:
        process.kill()
    assert not left, f"left running: {[p.cmdline() for p in left]}"


@pytest.mark.parametrize("kind", ["processes", "dask"])
def test_primes_dask_checks_every_number_with_either_executor(kind, tmp_path):
    done = run("primes_dask.py", kind, "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"4 of 4 numbers are prime ({kind}: 2) in ")
    assert "executor ready in" in done.stdout and done.stderr == ""
    assert_nothing_left_in(tmp_path)


@pytest.mark.parametrize("args", [[], ["threads", "2"], ["dask", "two"]])
def test_primes_dask_says_how_to_call_it(args, tmp_path):
    done = run("primes_dask.py", *args, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (1, "usage: primes_dask.py processes|dask WORKERS\n")


def test_dask_cluster_reports_its_workers_and_a_missing_scheduler_in_one_line(tmp_path):
    local = run("dask_cluster.py", cwd=tmp_path)
    assert local.returncode == 0, local.stderr
    assert local.stdout.startswith("2 workers, 2 threads at tcp://127.0.0.1:")
    address = f"tcp://127.0.0.1:{free_port()}"  # nobody listens there
    nobody = run("dask_cluster.py", cwd=tmp_path, DASK_SCHEDULER_ADDRESS=address)
    assert nobody.returncode == 1
    assert nobody.stderr.startswith(f"No Dask scheduler at {address}: ")
    assert nobody.stderr.count("\n") == 1 and "Traceback" not in nobody.stderr
    assert_nothing_left_in(tmp_path)


def test_flags_dask_downloads_every_flag_on_the_cluster(flag_server, tmp_path):
    done = run("flags_dask.py", cwd=tmp_path, FLAGS_BASE_URL=flag_server.url)
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.split()[:20]) == sorted(cc.upper() for cc in COURSE_CODES)
    assert done.stdout.rstrip().splitlines()[-1].startswith("20 downloads in ")
    saved = sorted(path.name for path in (tmp_path / "downloaded").iterdir())
    assert saved == sorted(f"{cc}.gif" for cc in COURSE_CODES)
    assert_nothing_left_in(tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals: Windows has no SIGINT to send")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_flags_dask_stopped_mid_run_says_so_and_stops_its_cluster(signum, flag_server, tmp_path):
    slow = flag_server.url_for(delay=8.0)  # every flag takes 8 s: the signal comes mid-run
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "flags_dask.py")],
        cwd=tmp_path,
        env=env_for(FLAGS_BASE_URL=slow),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + TIMEOUT
    while len(processes_in(tmp_path)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)  # the script and its two workers are up
    time.sleep(2.0)  # the downloads have started
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 128 + signum  # flags_seq.main's statuses and lines
    assert stderr.strip() == ("Interrupted" if signum == signal.SIGINT else "Terminated by SIGTERM")
    assert_nothing_left_in(tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals: Windows has no SIGTERM to send")
@pytest.mark.parametrize("later", [0.0, 0.2, 0.4])
def test_flags_dask_terminated_while_its_cluster_starts_stops_it_in_one_line(
    flag_server, tmp_path, later
):
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "flags_dask.py")],
        cwd=tmp_path,
        env=env_for(FLAGS_BASE_URL=flag_server.url_for(delay=8.0)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + TIMEOUT
    while len(processes_in(tmp_path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)  # the first worker process is starting: the cluster is not up yet
    time.sleep(later)  # a few moments of the start
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 128 + signal.SIGTERM
    assert stderr.strip() == "Terminated by SIGTERM"  # no traceback from distributed's atexit
    assert_nothing_left_in(tmp_path)
