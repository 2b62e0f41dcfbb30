"""Every student, every order: notebooks re-run under nbval in the situations students create.

- a flag server already running on the default port (`python -m flagserver` in a terminal);
- another notebook's kernel owns the server, and that kernel exits in the middle of our run;
- Restart & Run All twice in a row (leftovers of the first run must not change the second);
- worker processes started with `spawn` (the default on macOS and Windows).

Each case runs a whole notebook in a pytest of its own; tests/conftest.py schedules this module
with the notebooks (one after another, on one worker: they all use the default port 8001).
"""

import os
import subprocess
import sys
import time

import pytest

from course.paths import NOTEBOOKS_DIR, REPO_ROOT
from flagserver import DEFAULT_HOST, DEFAULT_PORT, probe, stop_process, wait_until_stopped

pytestmark = pytest.mark.slow
SPAWN_HOOK = REPO_ROOT / "tests" / "spawn_hook"


def nbval(notebook: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start pytest --nbval (the project's settings) on one notebook, in a process of its own."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:xdist",
        str(NOTEBOOKS_DIR / notebook),
    ]
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def passes(run: subprocess.Popen, timeout: float = 300) -> None:
    out, _ = run.communicate(timeout=timeout)
    assert run.returncode == 0, out[-3000:]


@pytest.fixture
def default_port_free():
    if probe(DEFAULT_HOST, DEFAULT_PORT) != "free":
        pytest.fail(f"port {DEFAULT_PORT} is in use: these tests need it (stop what runs there)")
    yield
    assert wait_until_stopped(DEFAULT_HOST, DEFAULT_PORT, timeout=10), "a server was left behind"


def test_a_notebook_passes_with_a_flag_server_already_running_and_leaves_it(default_port_free):
    command = [sys.executable, "-u", "-m", "flagserver", "--port", str(DEFAULT_PORT)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert server.stdout.readline().startswith("Flag server ready")
        passes(nbval("00_start_here.ipynb"))
        assert probe(DEFAULT_HOST, DEFAULT_PORT) == "flagserver"  # not ours: still running
    finally:
        stop_process(server)


def test_a_notebook_passes_while_the_kernel_that_owns_the_server_exits(default_port_free):
    code = "from flagserver import start_server; start_server(); import time; time.sleep(600)"
    owner = subprocess.Popen([sys.executable, "-u", "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert "started here" in owner.stdout.readline()
        run = nbval("00_start_here.ipynb")
        time.sleep(4)  # our kernel has reused the server by now
        owner.kill()  # the owning kernel dies: no clean-up code runs there
        owner.wait()
        passes(run)
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()


def test_a_notebook_passes_twice_in_a_row(default_port_free):
    for _ in range(2):
        passes(nbval("00_start_here.ipynb"))


def test_the_process_notebook_passes_when_processes_are_spawned(default_port_free):
    paths = [str(SPAWN_HOOK), os.environ.get("PYTHONPATH", "")]
    passes(
        nbval("01_concurrency_models.ipynb", {"PYTHONPATH": os.pathsep.join(filter(None, paths))})
    )
