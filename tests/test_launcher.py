"""start_server(): the one-line way notebooks and tests start the flag server."""

import socket
import subprocess
import sys
import threading
import time

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
