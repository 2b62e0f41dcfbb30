"""flags_seq.py, flags_threadpool.py, flags_threadpool_client.py and flags_threadpool_futures.py,
run as real processes (and flags_threadpool_client.py also in-process, to count its clients).

Each script runs with this interpreter, in a fresh tmp_path (so `downloaded/` lands there),
against the session's real flag server, selected with FLAGS_BASE_URL.
"""

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from course.data import COURSE_CODES, flag_gifs
from course.paths import REPO_ROOT
from flagserver import fails, free_port

ALL_FLAGS = ["flags_seq.py", "flags_threadpool.py", "flags_threadpool_client.py"]
EVERY_SCRIPT = [*ALL_FLAGS, "flags_threadpool_futures.py"]
FUTURES_CODES = ["BR", "CN", "ID", "IN", "US"]  # the first 5 course codes, sorted
SUMMARY = re.compile(r"\n(\d+) downloads in (\d+\.\d\d)s\n$")
SCHEDULED = re.compile(r"^Scheduled for (\w\w): <Future at 0x[0-9a-f]+ state=(\w+)>$", re.M)
RESULT = re.compile(r"<Future at 0x[0-9a-f]+ state=finished returned str> result: '(\w\w)'")
ERROR_RATE = 0.25
FAILING = sorted(cc for cc in COURSE_CODES if fails(cc, ERROR_RATE))  # the server's own rule


def run(script: str, base_url: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLAGS_BASE_URL": base_url}
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def saved_files(cwd: Path) -> list[str]:
    return sorted(path.name for path in (cwd / "downloaded").iterdir())


def assert_complete_flags(cwd: Path) -> None:
    """Every file in downloaded/ is a whole GIF, byte for byte the server's flag."""
    for name in saved_files(cwd):
        path = cwd / "downloaded" / name
        assert name.endswith(".gif"), f"unexpected file {name}"
        with Image.open(path) as image:
            assert image.format == "GIF"
        assert path.read_bytes() == flag_gifs()[name.removesuffix(".gif")]


def one_line_error(done: subprocess.CompletedProcess) -> str:
    """The script failed with a single message line on stderr and no traceback."""
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.parametrize("script", ALL_FLAGS)
def test_script_saves_the_20_course_flags_as_valid_gifs(script, flag_server, tmp_path):
    done = run(script, flag_server.url, tmp_path)
    assert done.returncode == 0, done.stderr
    assert saved_files(tmp_path) == sorted(f"{cc}.gif" for cc in COURSE_CODES)
    assert_complete_flags(tmp_path)


@pytest.mark.parametrize("script", ALL_FLAGS)
def test_script_prints_each_code_then_the_count_and_time(script, flag_server, tmp_path):
    done = run(script, flag_server.url, tmp_path)
    codes_line, summary = done.stdout.split("\n", 1)
    assert sorted(codes_line.split()) == sorted(cc.upper() for cc in COURSE_CODES)
    assert SUMMARY.fullmatch("\n" + summary)
    assert SUMMARY.search(done.stdout)[1] == "20"
    assert done.stderr == ""


def test_sequential_script_downloads_in_alphabetical_order(flag_server, tmp_path):
    done = run("flags_seq.py", flag_server.url, tmp_path)
    codes = done.stdout.split("\n", 1)[0].split()
    assert codes == sorted(cc.upper() for cc in COURSE_CODES)


def test_futures_script_shows_scheduled_futures_then_results_as_completed(flag_server, tmp_path):
    done = run("flags_threadpool_futures.py", flag_server.url_for(delay=0.2), tmp_path)
    assert done.returncode == 0, done.stderr
    scheduled = SCHEDULED.findall(done.stdout)
    assert [cc for cc, _ in scheduled] == FUTURES_CODES
    assert [state for _, state in scheduled[3:]] == ["pending", "pending"]  # 3 workers only
    results = RESULT.findall(done.stdout)
    assert sorted(results) == FUTURES_CODES
    assert SUMMARY.search(done.stdout)[1] == "5"
    assert saved_files(tmp_path) == [f"{cc.lower()}.gif" for cc in FUTURES_CODES]
    assert_complete_flags(tmp_path)


@pytest.mark.parametrize(
    "script", ["flags_threadpool.py", "flags_threadpool_client.py", "flags_threadpool_futures.py"]
)
def test_script_uses_the_base_url_from_the_environment_latency_included(
    script, flag_server, tmp_path
):
    delay = 0.5
    t0 = time.perf_counter()
    done = run(script, flag_server.url_for(delay=delay), tmp_path)
    wall = time.perf_counter() - t0
    assert done.returncode == 0, done.stderr
    reported = float(SUMMARY.search(done.stdout)[2])
    assert delay <= reported <= wall  # every answer waited `delay`, so the run did too


@pytest.mark.parametrize("script", EVERY_SCRIPT)
def test_script_names_the_base_url_that_answers_404(script, flag_server, tmp_path):
    base_url = f"http://127.0.0.1:{flag_server.port}/nowhere/flags"
    done = run(script, base_url, tmp_path)
    message = one_line_error(done)
    assert message.startswith(f"HTTP 404 for {base_url}/")
    assert saved_files(tmp_path) == []


@pytest.mark.parametrize("script", EVERY_SCRIPT)
def test_script_without_server_exits_with_one_line_how_to_start_it(script, tmp_path):
    base_url = f"http://127.0.0.1:{free_port()}/flags"  # nothing listens there
    done = run(script, base_url, tmp_path)
    message = one_line_error(done)
    assert message == f"No flag server at {base_url}: start one with `python -m flagserver`"


def test_sequential_script_stops_at_the_first_server_error_leaving_only_whole_flags(
    flag_server, tmp_path
):
    base_url = flag_server.url_for(errors=ERROR_RATE)
    done = run("flags_seq.py", base_url, tmp_path)
    message = one_line_error(done)
    first_bad = FAILING[0]
    before = [cc for cc in sorted(COURSE_CODES) if cc < first_bad]
    assert before, "the scenario should fail after a few flags were saved"
    assert message.startswith(f"HTTP 503 for {base_url}/{first_bad}/{first_bad}.gif: injected")
    assert done.stdout.split() == [cc.upper() for cc in before]
    assert saved_files(tmp_path) == [f"{cc}.gif" for cc in before]  # no partial flag, no .tmp
    assert_complete_flags(tmp_path)


@pytest.mark.parametrize("script", ["flags_threadpool.py", "flags_threadpool_client.py"])
def test_thread_pool_reports_a_server_error_and_saves_only_whole_flags(
    script, flag_server, tmp_path
):
    base_url = flag_server.url_for(errors=ERROR_RATE)
    done = run(script, base_url, tmp_path)
    message = one_line_error(done)
    assert any(message.startswith(f"HTTP 503 for {base_url}/{cc}/{cc}.gif: ") for cc in FAILING)
    good = [f"{cc}.gif" for cc in sorted(COURSE_CODES) if cc not in FAILING]
    assert saved_files(tmp_path) == good  # every other flag whole, no .tmp file left
    assert_complete_flags(tmp_path)


def count_clients(monkeypatch, httpx_module) -> list[httpx.Client]:
    """Every httpx.Client the module's code builds from now on, in order."""
    built: list[httpx.Client] = []

    class CountedClient(httpx.Client):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(httpx_module, "Client", CountedClient)
    return built


@pytest.mark.parametrize("script_name", ["flags_threadpool", "flags_threadpool_client"])
def test_a_failed_flag_does_not_cancel_the_flags_still_waiting_for_a_thread(
    script_name, flag_server, tmp_path, monkeypatch
):
    """Two threads for 20 flags: most wait in the pool's queue when the first error arrives.

    Reading executor.map's results inside the `with` block would cancel them (the iterator
    cancels its pending futures when it raises); both scripts read them after the pool."""
    monkeypatch.syspath_prepend(str(REPO_ROOT))
    import flags_seq

    script = __import__(script_name)
    monkeypatch.setattr(script, "MAX_WORKERS", 2)
    monkeypatch.setattr(flags_seq, "BASE_URL", flag_server.url_for(errors=ERROR_RATE))
    if hasattr(script, "BASE_URL"):
        monkeypatch.setattr(script, "BASE_URL", flag_server.url_for(errors=ERROR_RATE))
    (tmp_path / "downloaded").mkdir()
    monkeypatch.setattr(flags_seq, "DEST_DIR", tmp_path / "downloaded")
    with pytest.raises(httpx.HTTPStatusError):
        script.download_many(list(COURSE_CODES))
    good = [f"{cc}.gif" for cc in sorted(COURSE_CODES) if cc not in FAILING]
    assert saved_files(tmp_path) == good


def test_shared_client_script_builds_one_client_for_all_its_threads(
    flag_server, tmp_path, monkeypatch
):
    monkeypatch.syspath_prepend(str(REPO_ROOT))
    import flags_seq
    import flags_threadpool_client as script

    built = count_clients(monkeypatch, script.httpx)
    monkeypatch.setattr(script, "BASE_URL", flag_server.url_for(delay=0.2))
    monkeypatch.setattr(flags_seq, "DEST_DIR", tmp_path)
    threads: set[str] = set()
    real_get = script.get_flag

    def get_flag(client: httpx.Client, cc: str) -> bytes:
        threads.add(threading.current_thread().name)
        return real_get(client, cc)

    monkeypatch.setattr(script, "get_flag", get_flag)
    assert script.download_many(list(COURSE_CODES)) == 20
    assert len(built) == 1 and built[0].is_closed  # one client, closed after the pool
    assert len(threads) > 1  # shared by the pool's threads
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        f"{cc}.gif" for cc in COURSE_CODES
    )


def test_per_flag_client_script_builds_a_client_for_every_flag(flag_server, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(REPO_ROOT))
    import flags_seq
    import flags_threadpool

    built = count_clients(monkeypatch, flags_seq.httpx)
    monkeypatch.setattr(flags_seq, "BASE_URL", flag_server.url)
    monkeypatch.setattr(flags_seq, "DEST_DIR", tmp_path)
    assert flags_threadpool.download_many(list(COURSE_CODES)) == 20
    assert len(built) == 20  # the cost flags_threadpool_client.py saves
