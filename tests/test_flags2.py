"""flags2_threadpool.py and flags2_asyncio.py: statuses, limits, timeouts, Ctrl-C, bad input.

Every test runs the scripts as real processes against a real flag server, in a temporary
folder (so `downloaded/` lands there).
"""

import os
import re
import signal
import socket
import string
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from course.paths import REPO_ROOT
from course.sidebyside import run_side_by_side
from flagserver import fails, free_port, load_flags, start_server
from helpers import sigint_as_in_a_terminal

SCRIPTS = ["flags2_threadpool.py", "flags2_asyncio.py"]
RATE = 0.25
FLAGS = load_flags()
EVERY = [a + b for a in string.ascii_lowercase for b in string.ascii_lowercase]
CODE = r"[A-Z]{2}(-[A-Z]{3})?"  # CN, or a region such as GB-SCT
OUTCOME_LINE = re.compile(rf"^{CODE} (OK|NOT_FOUND|ERROR(: .+)?)$")  # one per code with -v
COUNT_LINE = re.compile(r"^(OK|NOT_FOUND|ERROR) +(\d+)$", re.MULTILINE)
ELAPSED = re.compile(r"^\d+ requests? in (\d+\.\d+)s$", re.MULTILINE)


def command(script: str, *args: str) -> list[str]:
    return [sys.executable, "-u", str(REPO_ROOT / script), *args]


def environment(base_url: str) -> dict[str, str]:
    return {**os.environ, "FLAGS_BASE_URL": base_url, "PYTHONIOENCODING": "utf-8"}


def run(script: str, *args: str, base_url: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(script, *args),
        cwd=cwd,
        env=environment(base_url),
        capture_output=True,
        text=True,
        timeout=120,
    )


def counts(stdout: str) -> dict[str, int]:
    return {name: int(number) for name, number in COUNT_LINE.findall(stdout)}


def expected_counts(codes: list[str]) -> dict[str, int]:
    """What the server must answer, worked out from its own rules, not from a run."""
    tally = Counter({"OK": 0, "NOT_FOUND": 0, "ERROR": 0})
    for cc in codes:
        tally["ERROR" if fails(cc, RATE) else "OK" if cc in FLAGS else "NOT_FOUND"] += 1
    return dict(tally)


def saved_flags(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in (folder / "downloaded").iterdir()}


def assert_only_whole_flags(folder: Path) -> dict[str, bytes]:
    """Every file is a finished flag: named cc.gif, byte for byte what the server has."""
    saved = saved_flags(folder)
    for name, data in saved.items():
        assert name.endswith(".gif") and name.count(".") == 1, f"leftover file {name}"
        assert data == FLAGS[name.removesuffix(".gif")], f"{name} is not the whole flag"
    return saved


@pytest.mark.parametrize(
    "option, codes, attempts", [("-a", sorted(FLAGS), (1, 2)), ("-e", EVERY, (1,))]
)
def test_status_counts_are_exact_and_the_same_for_both_versions_in_every_run(
    flag_server, tmp_path, option, codes, attempts
):
    url = flag_server.url_for(errors=RATE)
    args = [option, "-s", url, "-m", "20", "--timeout", "60"]  # a busy machine is no error
    runs = [(script, attempt) for script in SCRIPTS for attempt in attempts]
    procs = []
    for script, attempt in runs:  # all at once: the test stays fast
        folder = tmp_path / f"{script}-{attempt}"
        folder.mkdir()
        procs.append(
            subprocess.Popen(
                command(script, *args),
                cwd=folder,
                env=environment(flag_server.url),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    expected = expected_counts(codes)
    wanted_files = {f"{cc}.gif" for cc in codes if cc in FLAGS and not fails(cc, RATE)}
    for (script, attempt), proc in zip(runs, procs):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, err  # some codes are an ERROR: exit status 1
        assert counts(out) == expected, f"{script}, run {attempt}"
        saved = assert_only_whole_flags(tmp_path / f"{script}-{attempt}")
        assert set(saved) == wanted_files
    assert expected["OK"] and expected["ERROR"]  # the scenario really mixes outcomes
    if option == "-e":
        assert expected["NOT_FOUND"]


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_ctrl_c_stops_promptly_and_leaves_only_whole_flags(flag_server, tmp_path, script):
    url = flag_server.url_for(delay=0.5)  # 256 flags, 5 at a time: about 26 s if left alone
    proc = subprocess.Popen(
        command(script, "-a", "-s", url, "-m", "5"),
        cwd=tmp_path,
        env=environment(flag_server.url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_as_in_a_terminal,
    )
    deadline = time.monotonic() + 30
    folder = tmp_path / "downloaded"
    while not (folder.exists() and len(list(folder.glob("*.gif"))) >= 3):
        assert time.monotonic() < deadline and proc.poll() is None, "no flag arrived"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    out, err = proc.communicate(timeout=30)
    stopped_after = time.monotonic() - t0
    assert proc.returncode == 130, err
    assert stopped_after < 5  # in-flight requests take 0.5 s; the other ~240 never start
    assert "Traceback" not in err
    finished = re.search(r"^Interrupted: (\d+) of 256 requests finished$", out, re.MULTILINE)
    assert finished and 3 <= int(finished[1]) < 256
    saved = assert_only_whole_flags(tmp_path)
    assert counts(out)["OK"] == len(saved)  # what the summary says is what is on disk


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_request_slower_than_the_timeout_is_an_error_and_the_run_finishes(
    flag_server, tmp_path, script
):
    url = flag_server.url_for(delay=2)
    result = run(
        script, "-v", "--timeout", "0.3", "-s", url, "CN", "BR", base_url=url, cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr  # every code is an ERROR
    assert counts(result.stdout) == {"OK": 0, "NOT_FOUND": 0, "ERROR": 2}
    assert "CN ERROR: timed out" in result.stdout and "BR ERROR: timed out" in result.stdout
    assert float(ELAPSED.search(result.stdout)[1]) < 1.5  # gave up well before the 2 s answer
    assert list((tmp_path / "downloaded").iterdir()) == []


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize(
    "args",
    [["-s", "NOWHERE"], ["-l", "-1"], ["-m", "0"], ["C1"], ["ABC"], ["-a", "CN"]],
    ids=["unknown-server", "negative-limit", "zero-concurrency", "C1", "ABC", "codes-and-all"],
)
def test_bad_arguments_are_an_argparse_error_with_exit_status_2(
    flag_server, tmp_path, script, args
):
    result = run(script, *args, base_url=flag_server.url, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: ") and f"{script}: error: " in result.stderr
    assert result.stdout == "" and not (tmp_path / "downloaded").exists()


@pytest.mark.parametrize("script", SCRIPTS)
def test_no_server_gives_one_clear_line_and_a_non_zero_exit(tmp_path, script):
    url = f"http://127.0.0.1:{free_port()}/flags"
    result = run(script, base_url=url, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"No flag server at {url}: start one with `python -m flagserver`"
    ]


@pytest.mark.parametrize("script", SCRIPTS)
def test_more_concurrency_is_faster_and_m_is_the_limit(flag_server, tmp_path, script):
    url = flag_server.url_for(delay=0.3)
    codes = ["BR", "CN", "DE", "FR"]
    elapsed = {}
    for concur in ("1", "4"):  # 4 rounds of 0.3 s, then one round
        result = run(script, "-m", concur, "-s", url, *codes, base_url=url, cwd=tmp_path)
        assert counts(result.stdout)["OK"] == 4, result.stderr
        elapsed[concur] = float(ELAPSED.search(result.stdout)[1])
    assert elapsed["1"] > 2 * elapsed["4"]  # 4x in theory


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_server_that_goes_away_mid_run_turns_into_errors_not_a_crash(tmp_path, script):
    server = start_server(port=free_port(), quiet=True)
    try:
        url = server.url_for(delay=0.3)
        proc = subprocess.Popen(
            command(script, "-v", "-a", "-s", url, "-m", "10"),
            cwd=tmp_path,
            env=environment(url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        folder = tmp_path / "downloaded"
        deadline = time.monotonic() + 30
        while not (folder.exists() and list(folder.glob("*.gif"))):
            assert time.monotonic() < deadline and proc.poll() is None, "no flag arrived"
            time.sleep(0.05)
    finally:
        server.stop()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err  # not every flag was saved
    assert "Traceback" not in err
    tally = counts(out)
    assert sum(tally.values()) == 256 and tally["OK"] >= 1 and tally["ERROR"] >= 200
    assert tally["OK"] == len(assert_only_whole_flags(tmp_path))
    outcomes = [line for line in out.splitlines() if re.match(rf"{CODE} [A-Z]", line)]
    assert len(outcomes) == 256  # -v: one whole line per code, even from 10 threads at once
    assert all(OUTCOME_LINE.match(line) for line in outcomes), outcomes
    refused = [line for line in outcomes if "ERROR" in line]
    assert not any("timed out" in line for line in refused)  # a refusal is not a timeout


def test_side_by_side_columns_show_only_the_last_state_of_the_progress_bar(flag_server, capsys):
    args = ["-s", flag_server.url, "-l", "3", "-m", "3"]
    (result,) = run_side_by_side(
        [("flags2_asyncio.py", args)], env={"FLAGS_BASE_URL": flag_server.url}
    )
    assert result.ok and result.stderr.count("\r") >= 2  # tqdm redrew its bar
    shown = capsys.readouterr().out
    assert shown.count("%|") == 1 and "100%|" in shown and "3/3" in shown and "\r" not in shown


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_ctrl_c_while_the_server_is_checked_is_one_line_not_a_traceback(tmp_path, script):
    with socket.create_server(("127.0.0.1", 0)) as listener:  # accepts, never answers
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/flags"
        proc = subprocess.Popen(
            command(script),
            cwd=tmp_path,
            env=environment(url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=sigint_as_in_a_terminal,
        )
        listener.settimeout(30)
        connection, _ = listener.accept()  # the script now waits for the list of codes
        with connection:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.splitlines() == ["Interrupted before the first download"]
    assert out == "" and not (tmp_path / "downloaded").exists()


class EmptyIndex(BaseHTTPRequestHandler):
    """A flag server (its /health says so) that answers every other GET with 200 and no codes."""

    def do_GET(self) -> None:
        body = b"flagserver ok\n" if self.path == "/health" else b""
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("script", SCRIPTS)
def test_all_codes_from_a_server_that_lists_none_is_one_clear_line(tmp_path, script):
    server = ThreadingHTTPServer(("127.0.0.1", 0), EmptyIndex)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/flags"
        result = run(script, "-a", "-s", url, base_url=url, cwd=tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"No country codes to download: the server at {url} lists none"
    ]
    assert result.stdout == "" and not (tmp_path / "downloaded").exists()
