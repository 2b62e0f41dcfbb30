"""`python -m flagserver`: what needs a real socket and a real uvicorn process.

The app's rules (statuses, reasons, scenarios) are in test_app.py, tested in-process.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from flagserver import load_flags
from helpers import raw_get, raw_get_async
from test_app import TRAVERSALS

ALL_CODES = sorted(load_flags())


def start_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-u", "-m", "flagserver", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def ready_port(server: subprocess.Popen) -> int:
    ready = server.stdout.readline()
    assert ready.startswith("Flag server ready: http://127.0.0.1:"), ready
    return int(ready.split(":")[3].split("/")[0])


def stop_cli(server: subprocess.Popen, sig: int = signal.SIGINT) -> tuple[str, str]:
    server.send_signal(sig)
    try:
        return server.communicate(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


STOP_SIGNALS = [signal.SIGINT] + ([signal.SIGTERM] if os.name != "nt" else [])  # SIGTERM: POSIX


@pytest.mark.slow
@pytest.mark.parametrize("signum", STOP_SIGNALS, ids=lambda signum: signal.Signals(signum).name)
def test_cli_binds_loopback_prints_url_and_stops_cleanly_on_ctrl_c_or_sigterm(signum):
    server = start_cli("--port", "0")
    port = ready_port(server)
    assert raw_get(port, "/health")[0] == 200
    out, err = stop_cli(server, signum)
    assert server.returncode == 0
    assert out.endswith("Flag server stopped.\n")
    assert "Traceback" not in err


def test_cli_on_a_taken_port_says_so_in_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = start_cli("--port", str(port))
        out, err = server.communicate(timeout=10)
    assert server.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_path_traversal_never_returns_a_file_over_a_real_socket(flag_server):
    """The same targets as test_app.py, as uvicorn's parser really receives them."""
    for target in TRAVERSALS:
        status, head, body = raw_get(flag_server.port, target)
        assert status in (400, 404), (target, status)
        assert b"content-type: text/plain" in head.lower()
        assert body.count(b"\n") == 1
        assert b"GIF8" not in body and b"import" not in body and b"root:" not in body


def test_keep_alive_responses_add_no_latency_of_their_own(flag_server):
    """Regression: without TCP_NODELAY each keep-alive response waited ~40 ms (Nagle)."""
    count, delay = 20, 0.05
    times = []
    with httpx.Client(base_url=flag_server.url_for(delay=delay)) as client:
        client.get("/cn/cn.gif")
        for _ in range(count):
            start = time.perf_counter()
            client.get("/cn/cn.gif")
            times.append(time.perf_counter() - start)
    # the bug delays every response; a busy machine only some: the fastest one tells
    assert min(times) / delay < 1.5  # with the bug: ~1.8


def test_1000_concurrent_requests_at_no_delay_all_succeed(flag_server):
    async def fetch_all() -> list[tuple[int, bytes, bytes]]:
        targets = [f"/flags/{cc}/{cc}.gif" for cc in (ALL_CODES * 4)[:1000]]
        return await asyncio.gather(*(raw_get_async(flag_server.port, t) for t in targets))

    results = asyncio.run(fetch_all())
    assert len(results) == 1000
    assert all(status == 200 and body.startswith(b"GIF8") for status, _, body in results)


# Bounded resources -----------------------------------------------------------------------


def read_all(sock: socket.socket, limit: float) -> bytes:
    """What the server sends until it closes the connection (or `limit` seconds pass)."""
    sock.settimeout(limit)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def test_a_16_mib_header_is_refused_at_once_without_memory(flag_server):
    server = psutil.Process(flag_server.process.pid)
    before = server.memory_info().rss
    head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 2**24 + b"\r\n\r\n"
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", flag_server.port), timeout=5) as sock:
        try:
            sock.sendall(head)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection while we were still sending
        reply = read_all(sock, 5)
    assert time.perf_counter() - start < 2  # before the limit: 200 OK after parsing it all
    assert reply == b"" or reply.startswith(b"HTTP/1.1 431 ")
    assert server.memory_info().rss - before < 20 * 2**20
    assert raw_get(flag_server.port, "/health")[0] == 200


def test_an_endless_header_is_cut_off_without_a_core(flag_server):
    server = psutil.Process(flag_server.process.pid)
    cpu = sum(server.cpu_times()[:2])
    start, sent = time.perf_counter(), 0
    with socket.create_connection(("127.0.0.1", flag_server.port), timeout=1) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Endless: ")
        with pytest.raises((ConnectionResetError, BrokenPipeError)):  # the server hung up
            while time.perf_counter() - start < 3:
                sent += sock.send(b"a" * 65536)
    assert sent < 4 * 2**20  # before: 100 MiB in 10 s, a core busy, 200 MiB of memory
    assert sum(server.cpu_times()[:2]) - cpu < 0.5


def get_with_headers(port: int, count: int) -> bytes:
    fields = "".join(f"X-Field-{i}: {i}\r\n" for i in range(count - 2))  # + Host, Connection
    head = f"GET /health HTTP/1.1\r\nHost: x\r\n{fields}Connection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head.encode())
        return read_all(sock, 5)


def test_more_than_100_header_fields_is_431_with_a_one_line_reason(flag_server):
    assert get_with_headers(flag_server.port, 100).startswith(b"HTTP/1.1 200 ")
    reply = get_with_headers(flag_server.port, 101)
    assert reply.startswith(b"HTTP/1.1 431 ")
    body = reply.partition(b"\r\n\r\n")[2]
    assert body == b"more than 100 header fields\n"


def read_health(sock: socket.socket) -> bytes:
    """One whole /health response on a keep-alive connection."""
    data = b""
    while not data.endswith(b"flagserver ok\n"):
        chunk = sock.recv(4096)
        assert chunk, data
        data += chunk
    return data


@pytest.mark.slow
def test_a_connection_must_send_its_request_in_time_but_may_idle_between_requests():
    server = start_cli("--port", "0", "--header-timeout", "1")
    try:
        port = ready_port(server)
        silent = socket.create_connection(("127.0.0.1", port))
        stalled = socket.create_connection(("127.0.0.1", port))
        stalled.sendall(b"GET /health HTTP/1.1\r\n")
        kept = socket.create_connection(("127.0.0.1", port), timeout=5)
        health = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        kept.sendall(health)
        assert read_health(kept).startswith(b"HTTP/1.1 200 ")
        start = time.perf_counter()
        assert read_all(silent, 5) == b""  # closed without an answer: it asked nothing
        assert read_all(stalled, 5).startswith(b"HTTP/1.1 408 ")
        assert time.perf_counter() - start < 3
        time.sleep(1)  # the keep-alive connection outlives the header timeout (75 s)
        kept.sendall(health)
        assert read_health(kept).startswith(b"HTTP/1.1 200 ")
        kept.close()
        silent.close()
        stalled.close()
    finally:
        out, err = stop_cli(server)
    assert "Traceback" not in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="psutil reads rlimits on Linux")
def test_the_soft_limit_of_open_files_is_raised_to_the_hard_one():
    import resource

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "flagserver", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard)),
    )
    try:
        ready_port(server)
        assert psutil.Process(server.pid).rlimit(psutil.RLIMIT_NOFILE) == (hard, hard)
    finally:
        stop_cli(server)


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="RLIMIT_NOFILE is POSIX")
def test_out_of_file_descriptors_one_log_line_and_served_again_once_idle_ones_close(tmp_path):
    import resource

    log = (tmp_path / "stderr.txt").open("w")
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "flagserver", "--port", "0", "--header-timeout", "2"],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64)),
    )
    idle = []
    try:
        port = ready_port(server)
        for _ in range(100):  # more connections than the server has file descriptors
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        time.sleep(1)
        start = time.perf_counter()
        status, _, _ = raw_get(port, "/health")  # waits until the idle ones are closed
        assert status == 200 and time.perf_counter() - start < 4
    finally:
        for sock in idle:
            sock.close()
        stop_cli(server)
        log.close()
    err = (tmp_path / "stderr.txt").read_text()
    assert 1 <= err.count("cannot accept connections: Too many open files") <= 2, err[:2000]
    assert "Traceback" not in err and len(err) < 1000


# Scenarios over a real socket ---------------------------------------------------------------


def test_trickle_keeps_every_read_under_the_timeout_while_the_whole_takes_long(flag_server):
    base = f"http://127.0.0.1:{flag_server.port}"
    start = time.perf_counter()
    response = httpx.get(f"{base}/trickle/0.1/flags/cn/cn.gif", timeout=0.5)
    assert time.perf_counter() - start >= 1.0  # twice the timeout, and no ReadTimeout
    assert response.status_code == 200 and response.content == load_flags()["cn"]


def test_hang_makes_a_client_with_a_timeout_give_up(flag_server):
    base = f"http://127.0.0.1:{flag_server.port}"
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{base}/hang/flags/cn/cn.gif", timeout=0.3)
    assert raw_get(flag_server.port, "/health")[0] == 200


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="SIGTERM is POSIX")
def test_the_server_stops_at_once_with_requests_hanging_and_trickling():
    server = start_cli("--port", "0")
    port = ready_port(server)
    waiting = []
    for target in ("/hang/flags/cn/cn.gif", "/trickle/10/flags/cn/cn.gif", "/delay/10/flags/"):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        waiting.append(sock)
    time.sleep(0.5)
    start = time.perf_counter()
    out, err = stop_cli(server, signal.SIGTERM)
    assert time.perf_counter() - start < 3
    assert server.returncode == 0 and out.endswith("Flag server stopped.\n")
    assert "Traceback" not in err and "Cancel" not in err, err
    replies = [read_all(sock, 2) for sock in waiting]
    assert replies[0].startswith(b"HTTP/1.1 503 ")
    assert replies[1].startswith(b"HTTP/1.1 200 ") and replies[1].endswith(load_flags()["cn"])
    for sock in waiting:
        sock.close()
