"""Kernel > Interrupt in a real Jupyter kernel: it stops the long cell, never the flag server.

A kernel (jupyter_client, as JupyterLab starts one) starts the server, then runs scripts side
by side for a long time; the test interrupts the kernel the way JupyterLab does (SIGINT to the
kernel's process group) once the scripts are running. The cell must end with
KeyboardInterrupt soon, its scripts must be gone, and the next cells must work: the server
answers and a script downloads all 20 flags.
"""

import json
import os
import time

import psutil
import pytest

from course.paths import REPO_ROOT
from flagserver import free_port, probe, wait_until_stopped

HOST = "127.0.0.1"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name == "nt", reason="Kernel > Interrupt sends SIGINT on POSIX only"),
]


def run_cell(kernel, code: str, timeout: float = 60) -> tuple[dict, str]:
    """Execute one cell; return its reply's content and everything it printed."""
    shown: list[str] = []
    reply = kernel.execute_interactive(
        code, timeout=timeout, output_hook=lambda msg: shown.append(msg["content"].get("text", ""))
    )
    return reply["content"], "".join(shown)


def scripts_of(kernel_pid: int, name: str) -> list[psutil.Process]:
    """The kernel's child processes running the script `name`."""
    found = []
    for child in psutil.Process(kernel_pid).children(recursive=True):
        try:
            if any(part.endswith(name) for part in child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def test_interrupting_a_long_cell_stops_its_scripts_and_keeps_the_server(monkeypatch):
    from jupyter_client.manager import start_new_kernel

    port = free_port()
    monkeypatch.setenv("FLAGS_SERVER_PORT", str(port))  # the kernel inherits it
    manager, kernel = start_new_kernel(kernel_name="python3")
    kernel_pid = manager.provisioner.process.pid
    try:
        content, _ = run_cell(
            kernel, "from course import run_side_by_side, run_script, start_server\n"
            "server = start_server()"
        )  # fmt: skip
        assert content["status"] == "ok", content
        assert probe(HOST, port) == "flagserver"

        # a cell that would run 40 s: 20 flags one after another, 2 s each
        kernel.execute(
            'slow = {"FLAGS_BASE_URL": server.url_for(delay=2)}\n'
            'run_side_by_side(["flags_seq.py", "flags_threadpool.py"], env=slow, timeout=120)'
        )
        deadline = time.monotonic() + 30
        while not scripts_of(kernel_pid, "flags_seq.py") and time.monotonic() < deadline:
            time.sleep(0.1)
        scripts = scripts_of(kernel_pid, "flags_seq.py") + scripts_of(
            kernel_pid, "flags_threadpool.py"
        )
        assert len(scripts) == 2, "the long cell did not start its two scripts"
        time.sleep(1)  # well inside the run: the scripts are waiting for the server
        interrupted = time.monotonic()
        manager.interrupt_kernel()  # what Kernel > Interrupt does

        reply = kernel.get_shell_msg(timeout=20)["content"]
        took = time.monotonic() - interrupted
        assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt", reply
        assert took < 10, f"the cell took {took:.1f} s to stop after the interrupt"
        gone, alive = psutil.wait_procs(scripts, timeout=10)
        assert not alive, f"scripts still running after the interrupt: {alive}"
        assert probe(HOST, port) == "flagserver", "the interrupt stopped the flag server"
        # ipykernel aborts a request that arrives in the moment after an error (stop_on_error):
        # a student reads the KeyboardInterrupt before running the next cell.
        time.sleep(1)

        content, shown = run_cell(
            kernel,
            "import httpx\n"
            "print(httpx.get(f'http://127.0.0.1:{server.port}/health', timeout=5).status_code)\n"
            "done = run_script('flags_seq.py', env={'FLAGS_BASE_URL': server.url_for()})\n"
            "print(done.returncode, (done.stdout or done.stderr).split(' in ')[0].split()[-2:])",
        )
        assert content["status"] == "ok", content
        lines = shown.splitlines()
        assert lines[0] == "200", shown
        assert lines[-1] == "0 ['20', 'downloads']", shown  # the next cell works
    finally:
        manager.shutdown_kernel(now=False)
        kernel.stop_channels()
    assert wait_until_stopped(HOST, port), "the server outlived the kernel that started it"


def notebook_cell(notebook: str, starts: str) -> str:
    """The source of the first code cell of notebooks/`notebook` that starts with `starts`."""
    cells = json.loads((REPO_ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
    sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    return next(source for source in sources if source.startswith(starts))


def test_interrupting_the_ctrl_c_demonstration_leaves_no_script_and_no_folder(
    monkeypatch, tmp_path
):
    """04's Ctrl-C cell runs each flags2 script in a temporary folder: an interrupt removes both."""
    from jupyter_client.manager import start_new_kernel

    monkeypatch.setenv("FLAGS_SERVER_PORT", str(free_port()))
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the kernel's temporary folders go
    manager, kernel = start_new_kernel(kernel_name="python3")
    kernel_pid = manager.provisioner.process.pid
    try:
        for starts in ("import asyncio", "@contextlib.contextmanager\ndef interrupt_after"):
            content, _ = run_cell(kernel, notebook_cell("04_robust_downloads.ipynb", starts))
            assert content["status"] == "ok", content
        kernel.execute(notebook_cell("04_robust_downloads.ipynb", 'SCRIPTS = ["flags2_'))
        deadline = time.monotonic() + 30
        while not scripts_of(kernel_pid, "flags2_threadpool.py") and time.monotonic() < deadline:
            time.sleep(0.05)
        scripts = scripts_of(kernel_pid, "flags2_threadpool.py")
        assert scripts and list(tmp_path.glob("flags2-*")), "the cell did not start its run"
        manager.interrupt_kernel()  # what Kernel > Interrupt does

        reply = kernel.get_shell_msg(timeout=20)["content"]
        assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt", reply
        gone, alive = psutil.wait_procs(scripts, timeout=10)
        assert not alive, f"the script still runs after the interrupt: {alive}"
        assert list(tmp_path.glob("flags2-*")) == [], "the interrupted run left its folder"
    finally:
        manager.shutdown_kernel(now=False)
        kernel.stop_channels()
