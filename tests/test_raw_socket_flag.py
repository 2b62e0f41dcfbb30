"""raw_socket_flag.py, flags_selectors.py, flags_tiny_loop.py: HTTP by hand over sockets.

The bytes are the server's own GIFs; a refused connection, an answer cut short, a 404 and a
server that never answers each end the run with one line, no traceback, no socket left open.
"""

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import flags_selectors
import flags_tiny_loop
import raw_socket_flag
from course.data import COURSE_CODES, flag_gifs
from course.paths import REPO_ROOT
from flagserver import free_port

SCRIPTS = ["raw_socket_flag.py", "flags_selectors.py", "flags_tiny_loop.py"]
DOWNLOADERS = [raw_socket_flag, flags_selectors, flags_tiny_loop]


def run(script: str, *args: str, base_url: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLAGS_BASE_URL": base_url, "PYTHONIOENCODING": "utf-8"}
    command = [sys.executable, "-u", str(REPO_ROOT / script), *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def open_sockets() -> int:
    """Sockets this process has open (Linux: /proc; elsewhere the check is skipped)."""
    fds = Path("/proc/self/fd")
    return sum(os.readlink(fd).startswith("socket:") for fd in fds.iterdir() if fd.exists())


linux_only = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc (Linux)")


@contextmanager
def cut_short_server() -> Iterator[str]:
    """Reads a request, promises 1000 bytes of GIF, sends 6, hangs up: yields its base URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(4096)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: 1000\r\n\r\n"
                conn.sendall(head + b"GIF89a")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/flags"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def test_the_request_is_written_by_hand():
    host, port, request = raw_socket_flag.request_for(
        "http://127.0.0.1:8001/delay/0.5/flags/cn/cn.gif"
    )
    assert (host, port) == ("127.0.0.1", 8001)
    assert request == (
        b"GET /delay/0.5/flags/cn/cn.gif HTTP/1.1\r\nHost: 127.0.0.1:8001\r\n"
        b"Connection: close\r\n\r\n"
    )


def test_the_answer_is_complete_after_content_length_bytes_however_it_arrives():
    answer = raw_socket_flag.HttpAnswer("url")
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nContent-Type: image/gif\r\n\r\nGIF89a!!"
    assert not any(answer.feed(data[i : i + 1]) for i in range(len(data) - 1))
    assert answer.feed(data[-1:])
    assert (answer.status, answer.length, answer.body) == (200, 8, b"GIF89a!!")


@pytest.mark.parametrize("downloader", DOWNLOADERS, ids=lambda module: module.__name__)
def test_the_bytes_are_the_gifs_the_server_serves(downloader, flag_server, tmp_path, monkeypatch):
    monkeypatch.setattr(raw_socket_flag, "BASE_URL", flag_server.url)
    monkeypatch.setattr(raw_socket_flag, "DEST_DIR", tmp_path)
    monkeypatch.setattr(
        downloader, "save_flag", lambda image, name: (tmp_path / name).write_bytes(image)
    )
    assert downloader.download_many(COURSE_CODES) == 20
    gifs = flag_gifs()
    for cc in COURSE_CODES:
        assert (tmp_path / f"{cc.lower()}.gif").read_bytes() == gifs[cc.lower()]


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_script_saves_20_flags_and_says_how_long(script, flag_server, tmp_path):
    done = run(script, base_url=flag_server.url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "20 downloads in " in done.stdout
    assert sorted(path.name for path in (tmp_path / "downloaded").iterdir()) == sorted(
        f"{cc.lower()}.gif" for cc in COURSE_CODES
    )


def test_the_tiny_loop_prints_its_counters(flag_server, tmp_path):
    done = run("flags_tiny_loop.py", base_url=flag_server.url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "select() calls; woke 20 writable, " in done.stdout  # one connect per flag
    assert " iterations, " in done.stdout and " select() calls" in done.stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_refused_connection_is_one_line(script, tmp_path):
    line = one_line_error(
        run(script, base_url=f"http://127.0.0.1:{free_port()}/flags", cwd=tmp_path)
    )
    assert line.startswith("No flag server at http://127.0.0.1:") and "python -m flagserver" in line


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_host_that_does_not_resolve_is_one_line_about_the_server(script, tmp_path):
    base_url = "http://nosuchhost.invalid:8001/flags"
    line = one_line_error(run(script, "cn", base_url=base_url, cwd=tmp_path))
    assert line.startswith(f"Lost the flag server at {base_url}: ")


@pytest.mark.parametrize("script", SCRIPTS)
def test_an_answer_cut_short_is_one_line(script, tmp_path):
    with cut_short_server() as base_url:
        line = one_line_error(run(script, "cn", base_url=base_url, cwd=tmp_path))
    assert line == f"The server closed the connection early: 6 bytes of {base_url}/cn/cn.gif"


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_404_is_one_line_with_the_servers_reason(script, flag_server, tmp_path):
    line = one_line_error(run(script, "cn", "zz", base_url=flag_server.url, cwd=tmp_path))
    assert line == f"HTTP 404 for {flag_server.url}/zz/zz.gif: no flag for code 'zz'"


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_wrong_argument_gets_the_usage_line(script, tmp_path):
    line = one_line_error(run(script, "china", base_url="http://127.0.0.1:1/flags", cwd=tmp_path))
    assert line.startswith(f"usage: python {REPO_ROOT / script} [CC ...]")


@linux_only
@pytest.mark.parametrize("downloader", DOWNLOADERS, ids=lambda module: module.__name__)
def test_a_server_that_never_answers_times_out_and_no_socket_is_left(
    downloader, flag_server, monkeypatch
):
    monkeypatch.setattr(raw_socket_flag, "BASE_URL", flag_server.url_for(hang=True))
    monkeypatch.setattr(downloader, "TIMEOUT", 0.5)
    before = open_sockets()
    with pytest.raises(raw_socket_flag.FlagsError, match="did not answer within 0.5 s"):
        downloader.download_many(["cn", "br", "fr"])
    assert open_sockets() == before


@linux_only
@pytest.mark.parametrize("downloader", DOWNLOADERS, ids=lambda module: module.__name__)
def test_after_a_404_no_socket_is_left_open(downloader, flag_server, monkeypatch):
    monkeypatch.setattr(raw_socket_flag, "BASE_URL", flag_server.url_for(delay=0.2))
    monkeypatch.setattr(downloader, "save_flag", lambda image, name: None)
    before = open_sockets()
    with pytest.raises(raw_socket_flag.FlagsError, match="HTTP 404"):
        downloader.download_many(["zz", "cn", "br", "fr"])
    assert open_sockets() == before


def test_no_asyncio_is_imported_by_the_socket_scripts():
    code = "import sys, flags_selectors, flags_tiny_loop; print('asyncio' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert done.stdout.strip() == "False", done.stderr
