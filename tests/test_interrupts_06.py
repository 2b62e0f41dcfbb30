"""Notebook 06's short scripts stopped mid-run: a terminal's Ctrl-C (SIGINT to the whole process
group) and SIGTERM (to the script alone, as `kill` does) each give one line on stderr, exit
status 130 or 143, no traceback, and no process left behind.

Each script is started in a session of its own (its own process group, as a terminal gives a
command) and signalled only once it is really running: its threads exist, its worker processes
have started working, its connections to the flag server are open. The scripts without a
server finish in a fraction of a second, so a sitecustomize module (put first on PYTHONPATH,
for every process the script starts, `spawn` children too) stretches their sleeps: each call
of time.sleep / asyncio.sleep leaves a file named after its process id in a folder the test
watches, so "running" is seen, not guessed.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from course.paths import REPO_ROOT

pytestmark = pytest.mark.slow

SITECUSTOMIZE = '''
"""Slow down time.sleep and asyncio.sleep, and say which processes have slept."""
import asyncio
import multiprocessing
import os
import pathlib
import time

SLEPT = pathlib.Path(os.environ["SLEPT_DIR"])
if os.environ.get("START_METHOD"):
    multiprocessing.set_start_method(os.environ["START_METHOD"], force=True)
_sleep, _asleep = time.sleep, asyncio.sleep


def mark() -> None:
    (SLEPT / str(os.getpid())).touch()


def sleep(seconds):
    mark()
    _sleep(max(seconds, 0.005))


async def asleep(seconds, result=None):
    mark()
    return await _asleep(max(seconds, 0.05), result)


time.sleep, asyncio.sleep = sleep, asleep
'''

HOW = {  # how a signal is sent: to the process group (a terminal's Ctrl-C) or the script alone
    signal.SIGINT: lambda proc: os.killpg(proc.pid, signal.SIGINT),
    signal.SIGTERM: lambda proc: proc.send_signal(signal.SIGTERM),
}


def start(tmp_path: Path, script: str, *args: str, **env: str) -> subprocess.Popen:
    hook, slept = tmp_path / "hook", tmp_path / "slept"
    hook.mkdir(exist_ok=True)
    slept.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(textwrap.dedent(SITECUSTOMIZE))
    path = os.pathsep.join([str(hook), str(REPO_ROOT)])
    env = {**os.environ, "PYTHONPATH": path, "SLEPT_DIR": str(slept), **env}
    return subprocess.Popen(
        [sys.executable, str(REPO_ROOT / script), *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives it
    )


def wait_until(proc: subprocess.Popen, running, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not running():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the script ended before {what}: status {proc.returncode}\n{out}{err}")
        assert time.monotonic() < deadline, f"not running after {seconds} s: {what}"
        time.sleep(0.01)


def slept(tmp_path: Path) -> set[int]:
    """The ids of the processes that have called (the slowed) sleep."""
    return {int(path.name) for path in (tmp_path / "slept").iterdir()}


def stop(proc: subprocess.Popen, signum: int) -> tuple[str, str]:
    """Send the signal; (stdout, stderr) once the script has ended and nothing of it is left."""
    family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    try:
        HOW[signum](proc)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    gone, alive = psutil.wait_procs(family, timeout=5)
    for process in alive:
        process.kill()
    assert not alive, f"left behind: {alive}"
    return out, err


def assert_one_line(proc: subprocess.Popen, signum: int, out: str, err: str) -> None:
    assert proc.returncode == 128 + signum, f"status {proc.returncode}\n{err}"
    assert "Traceback" not in err, err
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    assert out == "", "stopped mid-run: no result line"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_race_counter_stops_its_threads(tmp_path, signum):
    proc = start(tmp_path, "race_counter.py")
    threads = lambda: proc.poll() is None and psutil.Process(proc.pid).num_threads() > 4  # noqa: E731
    wait_until(proc, lambda: threads() and slept(tmp_path), "the 4 threads count")
    assert_one_line(proc, signum, *stop(proc, signum))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_mp_counter_stops_its_worker_processes(tmp_path, signum, method):
    proc = start(tmp_path, "mp_counter.py", START_METHOD=method)  # without --lock: they sleep

    def working() -> bool:  # the 4 workers have started adding (under spawn: after their imports)
        workers = {child.pid for child in psutil.Process(proc.pid).children()}
        return len(workers & slept(tmp_path)) == 4

    wait_until(proc, working, "the 4 worker processes add")
    assert_one_line(proc, signum, *stop(proc, signum))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("maxsize", ["0", "10"])
def test_backpressure_stops_its_tasks(tmp_path, signum, maxsize):
    proc = start(tmp_path, "backpressure_asyncio.py", maxsize)
    wait_until(proc, lambda: proc.pid in slept(tmp_path), "the consumer works")
    assert_one_line(proc, signum, *stop(proc, signum))


def connections_to(proc: subprocess.Popen, port: int) -> int:
    sockets = psutil.Process(proc.pid).net_connections(kind="tcp")
    return sum(s.raddr and s.raddr.port == port and s.status == "ESTABLISHED" for s in sockets)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_flags_tally_stops_after_the_requests_under_way(flag_server, tmp_path, signum):
    url = flag_server.url_for(delay=2)
    proc = start(tmp_path, "flags_tally.py", FLAGS_BASE_URL=url)
    wait_until(proc, lambda: connections_to(proc, flag_server.port) >= 20, "20 requests wait")
    assert_one_line(proc, signum, *stop(proc, signum))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("kind", ["naive", "lock", "future"])
def test_cache_asyncio_cancels_its_lookups(flag_server, tmp_path, signum, kind):
    url = flag_server.url_for(delay=5)
    proc = start(tmp_path, "cache_asyncio.py", kind, FLAGS_BASE_URL=url)
    wait_until(proc, lambda: connections_to(proc, flag_server.port) >= 3, "3 downloads wait")
    assert_one_line(proc, signum, *stop(proc, signum))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_deadlock_stops_while_both_threads_wait_for_each_other(tmp_path, signum):
    proc = start(tmp_path, "deadlock.py")  # opposite order, no timeout: they wait forever
    threads = lambda: proc.poll() is None and psutil.Process(proc.pid).num_threads() >= 3  # noqa: E731
    wait_until(proc, threads, "the two threads take their locks")
    time.sleep(0.5)  # HOLD (0.2 s) and LATER (0.1 s) have passed: each waits for the other's lock
    assert_one_line(proc, signum, *stop(proc, signum))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_pipeline_cancels_its_workers(flag_server, tmp_path, signum):
    url = flag_server.url_for(delay=5)
    proc = start(tmp_path, "pipeline_asyncio.py", "2", FLAGS_BASE_URL=url)
    wait_until(proc, lambda: connections_to(proc, flag_server.port) >= 2, "2 downloads wait")
    assert_one_line(proc, signum, *stop(proc, signum))
