"""Faults and hostile input: wrong servers, slow bodies, broken disks, signals, cancellation.

The scripts run as real processes (in a temporary folder, so `downloaded/` lands there), against
the session's flag server or a tiny fake server (http.server on 127.0.0.1) built for one test.
"""

import asyncio
import errno
import functools
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

import flags2_asyncio
import flags_asyncio
import flags_seq
from course.paths import REPO_ROOT
from flags2_common import DownloadStatus, Settings
from flagserver import load_flags
from helpers import sigint_as_in_a_terminal

FIRST = ["flags_seq.py", "flags_threadpool.py", "flags_asyncio.py"]
FLAGS2 = ["flags2_threadpool.py", "flags2_asyncio.py"]
FLAGS = load_flags()
COUNT_LINE = re.compile(r"^(OK|NOT_FOUND|ERROR) +(\d+)$", re.MULTILINE)
ELAPSED = re.compile(r"^\d+ requests? in (\d+\.\d+)s$", re.MULTILINE)
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(script: str, *args: str, base_url: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLAGS_BASE_URL": base_url, "PYTHONIOENCODING": "utf-8"}
    command = [sys.executable, "-u", str(REPO_ROOT / script), *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def one_line_error(done: subprocess.CompletedProcess) -> str:
    """The run failed with exactly one line on stderr, and no traceback anywhere."""
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr + done.stdout
    assert "never retrieved" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def counts(stdout: str) -> dict[str, int]:
    return {name: int(number) for name, number in COUNT_LINE.findall(stdout)}


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


class FakeServer(BaseHTTPRequestHandler):
    """Answers GET path with ANSWERS[path] = (status, content type, body); 404 otherwise."""

    answers: dict[str, tuple[int, str, bytes]] = {}
    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(self.path)
        status, kind, body = self.answers.get(self.path, (404, "text/plain", b"no\n"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class CutShort(FakeServer):
    """Promises a longer body than it sends, then hangs up: httpx.RemoteProtocolError."""

    def do_GET(self) -> None:
        if self.path == "/health":
            return super().do_GET()
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"GIF89a")
        self.close_connection = True


HEALTHY = {"/health": (200, "text/plain", b"flagserver ok\n")}


@contextmanager
def fake_server(handler: type[BaseHTTPRequestHandler], **attrs: object) -> Iterator[tuple]:
    """A ThreadingHTTPServer on a free port of 127.0.0.1: yields (origin, requests seen)."""
    seen: list[str] = []
    cls = type("Handler", (handler,), {"seen": seen, **attrs})
    server = ThreadingHTTPServer(("127.0.0.1", 0), cls)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# 1. Trust no server: a flag is a 200 image/gif that starts with a GIF signature.


@pytest.mark.parametrize("script", FIRST)
def test_a_200_html_page_is_not_saved_as_a_flag(flag_server, tmp_path, script):
    url = flag_server.url_for(html=True)
    line = one_line_error(run(script, base_url=url, cwd=tmp_path))
    assert line == f"No flag from {url}: not a GIF: text/html"
    assert files_in(tmp_path / "downloaded") == []


@pytest.mark.parametrize("script", FLAGS2)
def test_flags2_counts_an_html_page_as_an_error_with_its_reason(flag_server, tmp_path, script):
    url = flag_server.url_for(html=True)
    done = run(script, "-v", "-s", url, "CN", "BR", base_url=url, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "CN ERROR: not a GIF: text/html" in done.stdout.splitlines()
    assert counts(done.stdout) == {"OK": 0, "NOT_FOUND": 0, "ERROR": 2}
    assert files_in(tmp_path / "downloaded") == []


@pytest.mark.parametrize("script", ["flags_seq.py", *FLAGS2])
def test_an_image_gif_answer_without_the_gif_signature_is_not_saved(tmp_path, script):
    fake = (200, "image/gif", b"<html>not a flag</html>")
    answers = {**HEALTHY, "/flags/bd/bd.gif": fake, "/flags/cn/cn.gif": fake}  # seq: BD first
    with fake_server(FakeServer, answers=answers) as (origin, _):
        done = run(script, "-v", "CN", base_url=f"{origin}/flags", cwd=tmp_path)
    if script == "flags_seq.py":
        assert "not a GIF: the body starts with b'<html>'" in one_line_error(done)
    else:
        assert "CN ERROR: not a GIF: the body starts with b'<html>'" in done.stdout
        assert done.returncode == 1
    assert files_in(tmp_path / "downloaded") == []


@pytest.mark.parametrize("script", FLAGS2)
def test_a_hostile_listing_never_writes_outside_downloaded(tmp_path, script):
    listing = "cn\n../../evil\n/tmp/evil\n..\\evil\nbr/../../x\nCN2\nbr\n"
    answers = {
        **HEALTHY,
        "/flags/": (200, "text/plain", listing.encode()),
        "/flags/cn/cn.gif": (200, "image/gif", FLAGS["cn"]),
        "/flags/br/br.gif": (200, "image/gif", FLAGS["br"]),
    }
    work = tmp_path / "work"
    work.mkdir()
    with fake_server(FakeServer, answers=answers) as (origin, seen):
        done = run(script, "-a", "-v", "-s", f"{origin}/flags", base_url=origin, cwd=work)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0].startswith("Skipped 5 malformed codes listed: '../../evil'")
    assert counts(done.stdout) == {"OK": 2, "NOT_FOUND": 0, "ERROR": 0}
    assert files_in(work / "downloaded") == ["br.gif", "cn.gif"]
    assert files_in(tmp_path) == ["work"] and files_in(work) == ["downloaded"]
    assert sorted(seen) == ["/flags/", "/flags/br/br.gif", "/flags/cn/cn.gif", "/health"]


# 2. A timeout is a deadline for the whole request, not for each read.


def test_flags_seq_get_flag_gives_up_on_a_trickling_body_at_its_timeout(flag_server, monkeypatch):
    monkeypatch.setattr(flags_seq, "BASE_URL", flag_server.url_for(trickle=0.5))  # 5 s a flag
    monkeypatch.setattr(flags_seq, "TIMEOUT", 1)
    t0 = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        flags_seq.get_flag("CN")
    assert time.monotonic() - t0 < 2.5


def test_flags_asyncio_get_flag_gives_up_on_a_trickling_body_at_its_timeout(
    flag_server, monkeypatch
):
    monkeypatch.setattr(flags_asyncio, "BASE_URL", flag_server.url_for(trickle=0.5))
    monkeypatch.setattr(flags_asyncio, "TIMEOUT", 1)

    async def get_china() -> bytes:
        async with httpx.AsyncClient() as client:
            return await flags_asyncio.get_flag(client, "CN")

    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        asyncio.run(get_china())
    assert time.monotonic() - t0 < 2.5


@pytest.mark.parametrize("script", FLAGS2)
@pytest.mark.parametrize("scenario", ["trickle", "hang"])
def test_timeout_bounds_a_trickling_or_hung_request(flag_server, tmp_path, script, scenario):
    url = (
        flag_server.url_for(trickle=0.5)
        if scenario == "trickle"
        else flag_server.url_for(hang=True)
    )
    t0 = time.monotonic()
    done = run(script, "-v", "--timeout", "1", "-s", url, "CN", "BR", base_url=url, cwd=tmp_path)
    assert time.monotonic() - t0 < 4  # the trickle takes 5 s a flag, the hang 60 s
    assert "CN ERROR: timed out" in done.stdout and "BR ERROR: timed out" in done.stdout
    assert float(ELAPSED.search(done.stdout)[1]) < 2.5
    assert files_in(tmp_path / "downloaded") == []


@pytest.mark.parametrize("script", FLAGS2)
def test_listing_the_codes_of_a_hung_server_obeys_the_timeout(flag_server, tmp_path, script):
    url = flag_server.url_for(hang=True)
    t0 = time.monotonic()
    line = one_line_error(
        run(script, "-a", "--timeout", "1", "-s", url, base_url=url, cwd=tmp_path)
    )
    assert time.monotonic() - t0 < 4  # it took TIMEOUT = 10 s
    assert line == f"The server at {url} did not answer within 1 s"


# 3. Failures end in one clear line and a non-zero exit, never a traceback.


@pytest.mark.parametrize("script", FIRST + FLAGS2)
@pytest.mark.parametrize("base_url", ["notaurl", "ftp://x", "", "http://[::1"])
def test_a_malformed_base_url_is_one_line(tmp_path, script, base_url):
    line = one_line_error(run(script, base_url=base_url, cwd=tmp_path))
    assert line == f"Not an http(s) URL like http://127.0.0.1:8001/flags: {base_url!r}"
    assert not (tmp_path / "downloaded").exists()


@pytest.mark.parametrize("script", ["flags_seq.py", *FLAGS2])
def test_a_connection_cut_mid_answer_is_one_line_or_an_error(tmp_path, script):
    with fake_server(CutShort, answers=HEALTHY) as (origin, _):
        done = run(script, "-v", "CN", base_url=f"{origin}/flags", cwd=tmp_path)
    assert "Traceback" not in done.stderr
    if script == "flags_seq.py":
        assert one_line_error(done).startswith(f"Lost the flag server at {origin}/flags: ")
    else:
        assert done.returncode == 1 and counts(done.stdout)["ERROR"] == 1
    assert files_in(tmp_path / "downloaded") == []


@pytest.mark.parametrize("script", FIRST + FLAGS2)
def test_downloaded_that_cannot_be_a_folder_is_one_line(flag_server, tmp_path, script):
    (tmp_path / "downloaded").write_text("a file, not a folder: mkdir and every write fail\n")
    done = run(script, "CN", base_url=flag_server.url, cwd=tmp_path)
    line = one_line_error(done)
    assert line.startswith("Cannot save the flags in downloaded/: [Errno 17] File exists")


@pytest.mark.parametrize("script", ["flags_seq.py", *FLAGS2])
def test_a_flag_that_cannot_be_saved_stops_the_run_and_the_summary_counts_the_rest(
    flag_server, tmp_path, script
):
    """A folder named cn.gif is in the way: renaming onto it fails as on a read-only disk."""
    (tmp_path / "downloaded" / "cn.gif").mkdir(parents=True)
    codes = ["BR", "CD", "CN", "DE", "EG"]
    url = flag_server.url_for(delay=0.3)  # CN fails while DE is on its way, EG never starts
    done = run(script, "-v", "-m", "1", "-s", url, *codes, base_url=url, cwd=tmp_path)
    line = one_line_error(done)
    assert line.startswith("Cannot save the flags in downloaded/: [Errno 21] Is a directory")
    saved = [name for name in files_in(tmp_path / "downloaded") if name != "cn.gif"]
    if script == "flags_seq.py":  # the 20 codes in order, BD BR CD, then CN
        assert saved == ["bd.gif", "br.gif", "cd.gif"]
        return
    assert saved[:2] == ["br.gif", "cd.gif"] and len(saved) <= 3
    assert counts(done.stdout)["OK"] == len(saved)  # what the summary says is on disk
    assert f"Interrupted: {len(saved)} of 5 requests finished" in done.stdout


@pytest.mark.skipif(IS_ROOT, reason="root writes in a read-only (chmod) folder: tested above")
@pytest.mark.parametrize("script", ["flags_seq.py", *FLAGS2])
def test_a_read_only_downloaded_folder_is_one_line(flag_server, tmp_path, script):
    folder = tmp_path / "downloaded"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        done = run(script, "CN", base_url=flag_server.url, cwd=tmp_path)
    finally:
        folder.chmod(0o755)
    assert "[Errno 13] Permission denied" in one_line_error(done)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full to fill the disk")
@pytest.mark.parametrize("script", FLAGS2)
def test_a_full_disk_is_one_line_and_no_temporary_file_is_left(flag_server, tmp_path, script):
    folder = tmp_path / "downloaded"
    folder.mkdir()
    url = flag_server.url_for(delay=1)  # time to plant the traps once the pid is known
    env = {**os.environ, "FLAGS_BASE_URL": url}
    command = [sys.executable, str(REPO_ROOT / script), "-v", "-s", url, "CN", "BR"]
    proc = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    for cc in ("cn", "br"):  # the temporary file is a link to /dev/full: writes get ENOSPC
        (folder / f"{cc}.gif.{proc.pid}.tmp").symlink_to("/dev/full")
    out, err = proc.communicate(timeout=60)
    done = subprocess.CompletedProcess(command, proc.returncode, out, err)
    assert "[Errno 28] No space left on device" in one_line_error(done)
    assert files_in(folder) == []  # no flag, no temporary file (nor the links)


def test_save_flag_reports_the_write_error_when_the_cleanup_fails_too(tmp_path, monkeypatch):
    """On a read-only file system, unlink fails with EROFS as well: that is no second error."""
    monkeypatch.setattr(flags_seq, "DEST_DIR", tmp_path)

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "write_bytes", read_only)
    monkeypatch.setattr(Path, "unlink", read_only)
    with pytest.raises(OSError) as caught:
        flags_seq.save_flag(b"GIF89a", "cn.gif")
    assert caught.value.errno == errno.EROFS
    assert caught.value.__context__ is None  # the write's own error, not the unlink's


# 4. The exit status says whether everything asked for was saved; -h says what each means.


@pytest.mark.parametrize("script", FLAGS2)
def test_exit_status_is_0_when_every_code_is_ok_or_not_found(flag_server, tmp_path, script):
    done = run(script, "-e", "-l", "30", base_url=flag_server.url, cwd=tmp_path)  # AA to BD
    tally = counts(done.stdout)
    assert tally["OK"] and tally["NOT_FOUND"] and not tally["ERROR"]
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("script", FLAGS2)
def test_help_explains_every_exit_status(flag_server, tmp_path, script):
    done = run(script, "-h", base_url=flag_server.url, cwd=tmp_path)
    assert done.returncode == 0
    help_text = done.stdout.split("exit status:", 1)[1]
    for status in ("0", "1", "2", "130", "143"):
        assert re.search(rf"^  {status} +\w", help_text, re.MULTILINE), status


# 5. SIGTERM stops a run like Ctrl-C: whole flags only, a summary, one line, exit 143.


@pytest.mark.slow
@pytest.mark.parametrize("script", FLAGS2)
def test_sigterm_stops_cleanly_with_one_line_and_exit_143(flag_server, tmp_path, script):
    url = flag_server.url_for(delay=0.5)
    env = {**os.environ, "FLAGS_BASE_URL": url, "PYTHONIOENCODING": "utf-8"}
    command = [sys.executable, "-u", str(REPO_ROOT / script), "-a", "-s", url, "-m", "5"]
    proc = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    folder = tmp_path / "downloaded"
    deadline = time.monotonic() + 30
    try:
        while not (folder.exists() and len(list(folder.glob("*.gif"))) >= 3):
            assert time.monotonic() < deadline and proc.poll() is None, "no flag arrived"
            time.sleep(0.05)
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert err.splitlines()[-1] == "Terminated by SIGTERM" and "Traceback" not in err
    names = files_in(folder)
    assert all(re.fullmatch(r"[a-z]{2}(-[a-z]{3})?\.gif", name) for name in names), names
    assert counts(out)["OK"] == len(names)
    assert re.search(r"^Interrupted: \d+ of 256 requests finished$", out, re.MULTILINE)


FAMILY = [  # the scripts built on flags_seq.main
    "flags_seq.py",
    "flags_threadpool.py",
    "flags_threadpool_futures.py",
    "flags_threadpool_client.py",
    "flags_asyncio.py",
    "flags_asyncio_blocked.py",
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "status", "said"),
    [(signal.SIGINT, 130, "Interrupted"), (signal.SIGTERM, 143, "Terminated by SIGTERM")],
)
@pytest.mark.parametrize("script", FAMILY)
def test_the_first_scripts_stop_on_ctrl_c_and_sigterm_with_one_line(
    flag_server, tmp_path, script, signum, status, said
):
    env = {**os.environ, "FLAGS_BASE_URL": flag_server.url_for(delay=0.5)}
    proc = subprocess.Popen(
        [sys.executable, "-u", str(REPO_ROOT / script)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_as_in_a_terminal,
    )
    folder = tmp_path / "downloaded"
    deadline = time.monotonic() + 30
    try:
        while not folder.exists():  # made after the server check: the downloads begin
            assert time.monotonic() < deadline and proc.poll() is None, "no download began"
            time.sleep(0.02)
        time.sleep(0.3)  # inside the first 0.5 s answers
        sent = time.monotonic()
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == status, err
    assert err.strip() == said, err  # one line: no traceback, no "never retrieved"
    assert took < 5, f"{took:.1f} s from the signal to the exit"  # answers in flight: 0.5 s
    names = files_in(folder)
    assert all(re.fullmatch(r"[a-z]{2}\.gif", name) for name in names), names  # no .tmp
    assert all((folder / name).read_bytes() == FLAGS[name[:2]] for name in names)  # whole


# 6. Something else on the port is not the flag server: say so before downloading.


@pytest.mark.parametrize("script", FIRST + FLAGS2)
def test_a_plain_http_server_on_the_port_is_not_the_flag_server(tmp_path, script):
    (tmp_path / "site").mkdir()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)  # like `python -m http.server`
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        done = run(script, base_url=f"{origin}/flags", cwd=tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    line = one_line_error(done)
    assert line == (
        f"Not the flag server at {origin}: GET /health gave HTTP 404; "
        "start one with `python -m flagserver`"
    )
    assert done.stdout == "" and not (tmp_path / "downloaded").exists()


# 7. Cancellation: a flag whose bytes arrived is saved and counted, and the cancel goes on.


class OneFlagClient:
    """Stands in for httpx.AsyncClient: every GET answers China's flag at once."""

    async def get(self, url: str, **kwargs: object) -> httpx.Response:
        gif = {"Content-Type": "image/gif"}
        return httpx.Response(
            200, headers=gif, content=FLAGS["cn"], request=httpx.Request("GET", url)
        )


def test_a_cancel_during_the_save_finishes_it_counts_it_and_propagates(tmp_path, monkeypatch):
    monkeypatch.setattr(flags_seq, "DEST_DIR", tmp_path)
    saving = threading.Event()

    def slow_save(image: bytes, filename: str) -> None:
        saving.set()
        time.sleep(0.3)
        flags_seq.save_flag(image, filename)

    monkeypatch.setattr(flags2_asyncio, "save_flag", slow_save)
    settings = Settings("http://127.0.0.1:9/flags", 1, 5.0, verbose=False)
    counter: Counter[DownloadStatus] = Counter()

    async def cancel_while_saving() -> asyncio.Task:
        task = asyncio.create_task(
            flags2_asyncio.download_one(
                OneFlagClient(), "CN", settings, asyncio.Semaphore(1), counter
            )
        )
        assert await asyncio.to_thread(saving.wait, 5)  # the bytes are here, the save began
        task.cancel()
        await asyncio.wait([task])
        return task

    task = asyncio.run(cancel_while_saving())
    assert task.cancelled()  # the cancellation was not swallowed
    assert (tmp_path / "cn.gif").read_bytes() == FLAGS["cn"]  # the save finished
    assert counter == {DownloadStatus.OK: 1}  # and it counts
    assert files_in(tmp_path) == ["cn.gif"]
