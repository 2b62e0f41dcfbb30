"""Every student, every order: every notebook re-run under nbval in the situations students create.

- a flag server already running (`python -m flagserver` in a terminal);
- another notebook's kernel owns the server, and that kernel exits in the middle of our run;
- Restart & Run All twice in a row (leftovers of the first run must not change the second);
- worker processes started with `spawn` (the default on macOS and Windows).

`test_every_notebook_for_every_student` runs each notebook once with all four at the same time:
the server belongs to another "kernel" (a process that called start_server()), which is killed
while our notebook runs; multiprocessing spawns; and it is the notebook's second run in this
checkout (the nbval run of `make test` is the other). The tests after it take each situation
alone, on the first notebook.

Each run gets a port of its own (FLAGS_SERVER_PORT, which start_server() reads), so it never
meets the plain nbval runs of the notebooks on port 8001; it runs after them on the same worker
(the root conftest.py), so that two notebooks' speed checks never share the cores.
"""

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from course.paths import NOTEBOOKS_DIR, REPO_ROOT
from flagserver import DEFAULT_HOST, free_port, probe, stop_process, wait_until_stopped

pytestmark = pytest.mark.slow
SPAWN_HOOK = REPO_ROOT / "tests" / "spawn_hook"
NOTEBOOKS = sorted(path.name for path in NOTEBOOKS_DIR.glob("*.ipynb"))
FIRST = NOTEBOOKS[0]
OWNER = "from flagserver import start_server; start_server(); import time; time.sleep(900)"


def nbval(notebook: str, env: dict[str, str]) -> subprocess.Popen:
    """Start pytest --nbval (the project's settings) on one notebook, in a process of its own."""
    path = str(NOTEBOOKS_DIR / notebook)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", path]
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def passes(run: subprocess.Popen, timeout: float = 600) -> None:
    out, _ = run.communicate(timeout=timeout)
    assert run.returncode == 0, out[-3000:]


def spawned() -> dict[str, str]:
    paths = [str(SPAWN_HOOK), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(filter(None, paths))}


def owners(port: int) -> int:
    """How many processes the server on `port` keeps itself alive for (0 if none answers)."""
    try:
        with urllib.request.urlopen(f"http://{DEFAULT_HOST}:{port}/owners/0", timeout=2) as answer:
            return json.load(answer)["owners"]
    except OSError:
        return 0


@pytest.fixture
def port():
    """A free port for this test's flag server; nothing may listen there after the test."""
    chosen = free_port()
    yield chosen
    assert wait_until_stopped(DEFAULT_HOST, chosen, timeout=10), "a server was left behind"


def owner_kernel(port: int) -> subprocess.Popen:
    """A process that owns a flag server on `port`, as another notebook's kernel would."""
    env = {**os.environ, "FLAGS_SERVER_PORT": str(port)}
    owner = subprocess.Popen(
        [sys.executable, "-u", "-c", OWNER], env=env, stdout=subprocess.PIPE, text=True
    )
    assert "started here" in owner.stdout.readline()
    return owner


def kill_when_shared(owner: subprocess.Popen, port: int, run: subprocess.Popen) -> None:
    """Kill the owner (no clean-up code runs there) once our notebook's kernel uses its server."""
    deadline = time.monotonic() + 120
    while owners(port) < 2 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert owners(port) >= 2, "the notebook's kernel never reused the running server"
    owner.kill()
    owner.wait()


def uses_server(notebook: str) -> bool:
    return "start_server(" in (NOTEBOOKS_DIR / notebook).read_text(encoding="utf-8")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_notebook_for_every_student(notebook, port):
    owner = owner_kernel(port) if uses_server(notebook) else None  # 01 needs no server
    try:
        run = nbval(notebook, {"FLAGS_SERVER_PORT": str(port), **spawned()})
        if owner is not None:
            kill_when_shared(owner, port, run)
        passes(run)
    finally:
        if owner is not None and owner.poll() is None:
            owner.kill()
            owner.wait()


def test_a_notebook_passes_with_a_flag_server_already_running_and_leaves_it(port):
    command = [sys.executable, "-u", "-m", "flagserver", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert server.stdout.readline().startswith("Flag server ready")
        passes(nbval(FIRST, {"FLAGS_SERVER_PORT": str(port)}))
        assert probe(DEFAULT_HOST, port) == "flagserver"  # not ours: still running
    finally:
        stop_process(server)


def test_a_notebook_passes_twice_in_a_row(port):
    for _ in range(2):
        passes(nbval(FIRST, {"FLAGS_SERVER_PORT": str(port)}))
