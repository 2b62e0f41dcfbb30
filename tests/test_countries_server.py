"""countries_server.py (asyncio streams) and countries_threaded_server.py (a thread per client),
with countries_client.py and many_clients.py: real processes on free ports."""

import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from course.paths import REPO_ROOT

SERVERS = ["countries_server.py", "countries_threaded_server.py"]
SERVING = re.compile(r"^Serving on 127\.0\.0\.1:(\d+) ")
BIG_PRIME = 999_999_999_999_989  # under MAX_NUMBER: 0.4 s of CPU here, more on a slower machine


class Running:
    def __init__(self, script: str, *args: str) -> None:
        cmd = [sys.executable, "-u", str(REPO_ROOT / script), "0", *args]
        self.proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        first = self.proc.stdout.readline()
        match = SERVING.match(first)
        assert match, first + self.proc.stderr.read()
        self.port = int(match[1])

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        return sock

    def stop(self, signum: int | None = signal.SIGINT) -> tuple[str, str]:
        if signum is not None:
            self.proc.send_signal(signum)
        try:
            out, err = self.proc.communicate(timeout=15)
        finally:
            self.proc.kill()
            self.proc.wait()
        return out, err


@pytest.fixture(params=SERVERS)
def server(request):
    running = Running(request.param)
    yield running
    if running.proc.poll() is None:
        running.stop()
    assert not listening(running.port), "the server left its port open"


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def ask(sock: socket.socket, line: bytes) -> bytes:
    sock.sendall(line)
    return read_line(sock)


def read_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        piece = sock.recv(1)  # a byte at a time: the next line stays in the socket
        if not piece:
            break
        data += piece
    return data


def client(port: int, *lines: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(REPO_ROOT / "countries_client.py"), str(port), *lines]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def test_the_client_gets_names_sizes_and_primes(server):
    done = client(server.port, "cn", "BR", "zz", "PRIME 97", "PRIME 91", "PRIME x")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "cn China 657",
        "br Brazil 1144",
        "ERROR unknown code 'zz'",
        "97 is prime",
        "91 is not prime",
        "ERROR PRIME needs a whole number from 2 to 1000000000000000",
    ]


def test_stats_counts_the_clients_and_the_threads(server):
    with server.connect() as one, server.connect() as two:
        assert ask(one, b"cn\n").startswith(b"cn China")
        stats = ask(two, b"STATS\n").decode()
    match = re.fullmatch(r"STATS clients=2 threads=(\d+) rss_kib=(\d+)\n", stats)
    assert match, stats
    assert int(match[2]) > 1000
    threads = int(match[1])
    assert threads == 1 if server.proc.args[2].endswith("/countries_server.py") else threads >= 3


def test_a_line_of_100_bytes_is_answered_a_longer_one_closes_the_connection(server):
    with server.connect() as sock:
        assert ask(sock, b"x" * 100 + b"\n").startswith(b"ERROR unknown code 'xxx")
        sock.sendall(b"y" * 500)
        assert read_line(sock) == b"ERROR line too long (max 100 bytes): closing\n"
        assert sock.recv(100) == b""  # and the server closed the connection
    assert client(server.port, "cn").stdout == "cn China 657\n"  # the server goes on


def test_a_client_that_leaves_mid_line_is_noted_in_one_line(server):
    with server.connect() as sock:
        sock.sendall(b"c")
    time.sleep(0.3)
    assert client(server.port, "fr").stdout == "fr France 529\n"
    out, err = server.stop()
    assert "A client left mid-line after 1 bytes\n" in out
    assert err == ""


def test_the_client_without_a_server_says_so_in_one_line():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there
    done = client(port, "cn")
    assert done.returncode == 1
    assert done.stderr.startswith(f"No answer from 127.0.0.1:{port}: ConnectionRefusedError")
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stopping_answers_the_request_under_way_then_says_bye_to_every_client(server, signum):
    with server.connect() as idle, server.connect() as busy:
        assert ask(idle, b"cn\n").startswith(b"cn China")
        busy.sendall(f"PRIME {BIG_PRIME}\n".encode())
        time.sleep(0.3)  # the server is computing
        server.proc.send_signal(signum)
        assert read_line(idle) == b"BYE server is stopping\n"
        assert read_line(busy) == f"{BIG_PRIME} is prime\n".encode()  # nothing lost
        assert read_line(busy) == b"BYE server is stopping\n"
        out, err = server.stop(None)  # signalled once: it stops by itself
    assert server.proc.returncode in (0, 130)
    assert err == ""  # no traceback
    assert out.splitlines()[-2:] == ["Stopping: 2 clients connected", "Stopped"]


@pytest.mark.slow
def test_a_thousand_concurrent_clients_are_served(server):
    cmd = [sys.executable, str(REPO_ROOT / "many_clients.py"), str(server.port), "0", "1000"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and lines[1].startswith("1000 idle clients: ")


def test_many_clients_wants_a_port_and_growing_numbers():
    for args in ([], ["8002"], ["8002", "10", "5"], ["8002", "x"]):
        cmd = [sys.executable, str(REPO_ROOT / "many_clients.py"), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, args


def test_inline_cpu_work_blocks_the_other_clients_a_process_pool_does_not():
    waits = {}
    for cpu in ("inline", "process"):
        running = Running("countries_server.py", "--cpu", cpu)
        try:
            with running.connect() as other, running.connect() as heavy:
                ask(other, b"cn\n")
                heavy.sendall(f"PRIME {BIG_PRIME}\n".encode())
                time.sleep(0.1)  # the server is computing
                t0 = time.perf_counter()
                ask(other, b"cn\n")
                waits[cpu] = time.perf_counter() - t0
                read_line(heavy)
        finally:
            running.stop()
    # Inline, "cn" waits for the rest of the prime (0.3 s here); beside a process pool it does not.
    assert waits["inline"] > 0.1 and waits["inline"] > 10 * waits["process"], waits


def test_a_taken_port_is_one_line():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        for script in SERVERS:
            cmd = [sys.executable, str(REPO_ROOT / script), str(port)]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            assert done.returncode == 1
            assert done.stderr.startswith(f"Cannot serve on 127.0.0.1:{port}: "), done.stderr
