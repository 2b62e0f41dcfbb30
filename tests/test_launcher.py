"""start_server(): the one-line way notebooks and tests start the flag server."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import psutil
import pytest

from flagserver import FlagServerError, free_port, probe, start_server, wait_until_stopped

HOST = "127.0.0.1"


def test_start_server_starts_a_healthy_server_quickly():
    port = free_port()
    began = time.perf_counter()
    server = start_server(port=port, quiet=True)
    took = time.perf_counter() - began
    try:
        assert server.started_here
        assert probe(HOST, port) == "flagserver"
        assert server.url == f"http://127.0.0.1:{port}/flags"
        assert took < 5  # typically ~0.5 s; the issue asks < 2 s (generous for a noisy CI)
    finally:
        server.stop()
    assert wait_until_stopped(HOST, port)


def test_start_server_prints_one_line_with_the_url(capsys):
    server = start_server(port=0)
    server.stop()
    out = capsys.readouterr().out
    assert out == f"Flag server: {server.url} (started here, stops with this kernel)\n"


def test_start_server_reuses_a_healthy_server_already_on_the_port():
    port = free_port()
    owner = start_server(port=port, quiet=True)
    try:
        assert start_server(port=port, quiet=True) is owner  # same process: same handle
        code = f"from flagserver import start_server; start_server(port={port})"
        other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert other.returncode == 0, other.stderr
        assert other.stdout == f"Flag server: {owner.url} (already running)\n"
        assert probe(HOST, port) == "flagserver"  # the reusing process did not stop it
    finally:
        owner.stop()


def serve_foreign(listener: socket.socket) -> None:
    """A program that is not a flag server: answers every connection with 'hello'."""
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            connection.recv(1024)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")


def test_start_server_refuses_a_port_taken_by_another_program():
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen()
        port = listener.getsockname()[1]
        threading.Thread(target=serve_foreign, args=(listener,), daemon=True).start()
        with pytest.raises(FlagServerError, match=f"port {port} .* another program"):
            start_server(port=port, quiet=True)


def run_owner(port: int) -> subprocess.Popen:
    """A process that starts a server and then waits, like a notebook kernel."""
    code = (
        "import sys, time; from flagserver import start_server;"
        f"start_server(port={port}); sys.stdout.flush(); time.sleep(60)"
    )
    owner = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert "started here" in owner.stdout.readline()
    return owner


def test_no_orphan_server_when_the_owner_is_killed():
    port = free_port()
    owner = run_owner(port)
    assert probe(HOST, port) == "flagserver"
    owner.kill()  # SIGKILL: no atexit, no cleanup code runs in the owner
    owner.wait()
    assert wait_until_stopped(HOST, port, timeout=5)


def test_no_orphan_server_when_the_owner_exits_normally():
    port = free_port()
    code = f"from flagserver import start_server; start_server(port={port}, quiet=True)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
    assert probe(HOST, port, timeout=0.5) == "free"


def spawn_owner(code: str, new_session: bool = False) -> subprocess.Popen:
    """A Python process like a notebook kernel: runs `code`, then waits for a line on stdin."""
    return subprocess.Popen(
        [sys.executable, "-c", f"{code}\nimport sys; sys.stdout.flush(); sys.stdin.readline()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=new_session,
    )


def finish(owner: subprocess.Popen) -> None:
    """Let the owner exit normally (atexit runs), or kill it if it is stuck."""
    try:
        owner.communicate("\n", timeout=10)
    except subprocess.TimeoutExpired:
        owner.kill()
        owner.wait()


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="process groups and SIGINT are POSIX")
def test_kernel_interrupt_does_not_reach_the_server():
    """Kernel > Interrupt sends SIGINT to the kernel's whole process group."""
    port = free_port()
    code = (
        "import signal, time; from flagserver import start_server\n"
        "signal.signal(signal.SIGINT, lambda *_: print('interrupted', flush=True))\n"
        f"start_server(port={port})"
    )
    owner = spawn_owner(code, new_session=True)  # its own group: the test's is left alone
    try:
        assert "started here" in owner.stdout.readline()
        os.killpg(owner.pid, signal.SIGINT)
        assert owner.stdout.readline() == "interrupted\n"
        time.sleep(0.5)
        assert probe(HOST, port) == "flagserver"
    finally:
        finish(owner)
    assert wait_until_stopped(HOST, port)


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="fork is POSIX")
def test_no_orphan_server_when_the_owner_forked_a_child_and_is_killed():
    port = free_port()
    code = (
        "import os, time; from flagserver import start_server\n"
        f"start_server(port={port})\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    time.sleep(30)\n"
        "    os._exit(0)\n"
        "print(child, flush=True)"
    )
    owner = spawn_owner(code)
    child = None
    try:
        assert "started here" in owner.stdout.readline()
        child = int(owner.stdout.readline())
        assert probe(HOST, port) == "flagserver"
        owner.kill()  # SIGKILL; the forked child holds every pipe the owner had
        owner.wait()
        assert wait_until_stopped(HOST, port, timeout=5)
    finally:
        if child:
            os.kill(child, signal.SIGKILL)
        if owner.poll() is None:
            owner.kill()
            owner.wait()


@pytest.mark.slow
def test_a_reused_server_serves_until_its_last_user_is_gone():
    port = free_port()
    code = f"from flagserver import start_server; start_server(port={port})"
    first, second = spawn_owner(code), None
    try:
        assert "started here" in first.stdout.readline()
        second = spawn_owner(code)
        assert "already running" in second.stdout.readline()
        (server,) = psutil.Process(first.pid).children()  # the server it started
        finish(first)  # it started the server and exits normally: server.stop() at exit
        assert first.returncode == 0
        time.sleep(1)
        assert probe(HOST, port) == "flagserver" and server.is_running()
        second.kill()  # the last user, killed: no atexit
        second.wait()
        assert wait_until_stopped(HOST, port, timeout=5)
        server.wait(timeout=5)
    finally:
        for owner in (first, second):
            if owner is not None and owner.poll() is None:
                owner.kill()
                owner.wait()


def test_a_process_cannot_register_another_process_to_keep_the_server_alive():
    port = free_port()
    owner = start_server(port=port, quiet=True)
    try:
        for method, pid in (("POST", 1), ("DELETE", os.getppid()), ("POST", os.getpid())):
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request(method, f"/owners/{pid}")
            response = connection.getresponse()
            status, body = response.status, response.read()
            connection.close()
            if pid == os.getpid():  # a process may register itself
                assert status == 200 and b'"owners"' in body
            else:
                assert status == 403, (method, pid, body)
                assert b"a process registers itself" in body
    finally:
        owner.stop()
    assert wait_until_stopped(HOST, port, timeout=5)  # only its registered users kept it


def test_stop_leaves_the_server_running_for_another_registered_process():
    port = free_port()
    owner = start_server(port=port, quiet=True)
    code = f"from flagserver import start_server; start_server(port={port})"
    other = spawn_owner(code)
    try:
        assert "already running" in other.stdout.readline()
        owner.stop()
        assert probe(HOST, port) == "flagserver"
        assert owner.process.poll() is None
    finally:
        finish(other)
    assert wait_until_stopped(HOST, port, timeout=5)
    owner.process.wait(timeout=5)


@pytest.mark.slow
def test_two_processes_starting_a_server_at_the_same_moment_share_it():
    for _ in range(3):
        port = free_port()
        at = time.time() + 1.5  # both wait for the same moment after their imports
        code = (
            "import time; from flagserver import start_server\n"
            f"time.sleep(max(0, {at} - time.time()))\n"
            f"start_server(port={port})"
        )
        owners = [spawn_owner(code), spawn_owner(code)]
        try:
            lines = sorted(owner.stdout.readline() for owner in owners)
            assert "already running" in lines[0] and "started here" in lines[1], lines
            assert probe(HOST, port) == "flagserver"
        finally:
            for owner in owners:
                finish(owner)
        assert all(owner.returncode == 0 for owner in owners)
        assert wait_until_stopped(HOST, port, timeout=5)


def test_a_reused_server_tells_its_pid_so_its_cpu_time_can_be_measured():
    port = free_port()
    owner = start_server(port=port, quiet=True)
    try:
        code = f"from flagserver import start_server; print(start_server(port={port}).pid)"
        other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert other.returncode == 0, other.stderr
        assert int(other.stdout.split()[-1]) == owner.pid == owner.process.pid
    finally:
        owner.stop()
