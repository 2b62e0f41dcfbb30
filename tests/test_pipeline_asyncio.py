"""pipeline_asyncio.py and backpressure_asyncio.py: queues between asyncio workers."""

import os
import re
import signal
import subprocess
import sys
import time

from PIL import Image

from course.data import COURSE_CODES
from course.paths import REPO_ROOT

DONE = re.compile(r"^20 flags, (\d+) workers: 20 downloads in (\d+\.\d+)s$", re.MULTILINE)
PEAK = re.compile(r"peak queue length (\d+), peak memory (\d+\.\d) MiB")


def run(script: str, *args: str, base_url: str = "", cwd=REPO_ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLAGS_BASE_URL": base_url} if base_url else None
    cmd = [sys.executable, str(REPO_ROOT / script), *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def seconds(proc: subprocess.CompletedProcess) -> float:
    assert proc.returncode == 0, proc.stderr
    match = DONE.search(proc.stdout)
    assert match, proc.stdout
    return float(match[2])


def test_the_pipeline_saves_and_describes_the_20_flags(flag_server, tmp_path):
    proc = run("pipeline_asyncio.py", "4", base_url=flag_server.url, cwd=tmp_path)
    assert proc.stderr == ""
    files = sorted(path.name for path in (tmp_path / "downloaded").iterdir())
    assert files == sorted(f"{cc.lower()}.gif" for cc in COURSE_CODES)
    for path in (tmp_path / "downloaded").iterdir():
        with Image.open(path) as image:
            assert image.format == "GIF"
    assert "CN 100x67 #de2910" in proc.stdout  # China: red
    assert "JP 100x67 #ffffff" in proc.stdout  # Japan: mostly white
    seconds(proc)


def test_more_workers_finish_sooner_near_the_limit_of_ceil_n_over_c_rounds(flag_server):
    url = flag_server.url_for(delay=0.2)
    one, five = seconds(run("pipeline_asyncio.py", "1", base_url=url)), None
    five = seconds(run("pipeline_asyncio.py", "5", base_url=url))
    assert one >= 20 * 0.2 and five >= 4 * 0.2  # never faster than the limit
    assert one / five > 2.5  # 20 rounds against 4


def test_a_failed_download_stops_the_pipeline_with_one_line(flag_server, tmp_path):
    proc = run("pipeline_asyncio.py", "3", base_url=flag_server.url_for(errors=0.25), cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("HTTP 503 for ")


def test_ctrl_c_cancels_the_workers_and_says_so_in_one_line(flag_server, tmp_path):
    cmd = [sys.executable, str(REPO_ROOT / "pipeline_asyncio.py"), "1"]
    env = {**os.environ, "FLAGS_BASE_URL": flag_server.url_for(delay=1.0)}
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        time.sleep(2.0)  # 20 flags one by one, 1 s each: still downloading
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130
    assert err.decode() == "interrupted: the workers were cancelled\n"


def test_the_pipeline_without_a_server_or_workers_says_so():
    proc = run("pipeline_asyncio.py", "2", base_url="http://127.0.0.1:9/flags")
    assert proc.returncode == 1
    assert "No flag server at http://127.0.0.1:9/flags" in proc.stderr
    for args in (["0"], [], ["many"]):
        proc = run("pipeline_asyncio.py", *args)
        assert proc.returncode == 1
        assert proc.stderr.startswith("usage: python pipeline_asyncio.py WORKERS")


def test_a_bounded_queue_keeps_length_and_memory_small_at_the_cost_of_waiting():
    unbounded, bounded = run("backpressure_asyncio.py", "0"), run("backpressure_asyncio.py", "10")
    for proc in (unbounded, bounded):
        assert proc.returncode == 0, proc.stderr
    (length0, memory0), (length10, memory10) = (
        [float(x) for x in PEAK.search(proc.stdout).groups()] for proc in (unbounded, bounded)
    )
    assert length0 >= 150 and length10 <= 10
    assert memory0 / memory10 > 5
    waited = [
        float(re.search(r"producer done after (\d+\.\d+) s", p.stdout)[1])
        for p in (unbounded, bounded)
    ]
    assert waited[1] > 5 * waited[0] + 0.1  # the bounded producer waited for the consumer


def test_backpressure_wants_a_maxsize():
    proc = run("backpressure_asyncio.py", "big")
    assert proc.returncode == 1
    assert proc.stderr == "usage: python backpressure_asyncio.py MAXSIZE   (0: unbounded)\n"
