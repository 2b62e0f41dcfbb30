"""flags3_asyncio.py: two chained requests per flag (its JSON, then its GIF), both saved."""

import json
import re
import signal
import subprocess
import sys
import time

import pytest

from course.data import COURSE_CODES
from course.paths import REPO_ROOT
from flagserver import fails
from helpers import sigint_as_in_a_terminal

DONE = re.compile(r"^(\d+) requests? in (\d+\.\d+)s$", re.MULTILINE)


def run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(REPO_ROOT / "flags3_asyncio.py"), *args]
    return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_it_saves_the_json_and_the_gif_of_every_flag(flag_server, tmp_path):
    proc = run(tmp_path, "-s", flag_server.url, "-m", "20")
    assert proc.returncode == 0, proc.stderr
    saved = sorted(path.name for path in (tmp_path / "downloaded").iterdir())
    codes = sorted(cc.lower() for cc in COURSE_CODES)
    assert saved == sorted([f"{cc}.gif" for cc in codes] + [f"{cc}.json" for cc in codes])
    cn = json.loads((tmp_path / "downloaded" / "cn.json").read_text())
    assert cn == {"code": "cn", "name": "China"}
    assert (tmp_path / "downloaded" / "cn.gif").read_bytes().startswith(b"GIF8")


def test_two_requests_per_item_take_twice_the_rounds(flag_server, tmp_path):
    delay, concur = 0.2, 5
    proc = run(tmp_path, "-s", flag_server.url_for(delay=delay), "-m", str(concur))
    assert proc.returncode == 0, proc.stderr
    seconds = float(DONE.search(proc.stdout)[2])
    limit = -(-20 // concur) * 2 * delay  # 4 rounds of 2 chained requests
    assert limit <= seconds < 2.5 * limit


def test_an_injected_error_on_either_request_is_an_error(flag_server, tmp_path):
    codes = [cc.upper() for cc in COURSE_CODES if fails(cc, 0.25)][:1] + ["CN"]
    proc = run(tmp_path, "-s", flag_server.url_for(errors=0.25), "-v", *codes)
    assert proc.returncode == 1  # an ERROR
    assert f"{codes[0]} ERROR: HTTP 503" in proc.stdout and "CN OK: China" in proc.stdout


def test_a_wrong_server_is_named(flag_server, tmp_path):
    proc = run(
        tmp_path, "-s", f"http://{flag_server.host}:{flag_server.port}/html/flags", "-v", "CN"
    )
    assert proc.returncode == 1
    assert "CN ERROR: not JSON: text/html" in proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_stopped_mid_run_it_leaves_each_item_whole_and_counted(
    flag_server, tmp_path, signum, status
):
    url = flag_server.url_for(delay=0.3)  # 256 items, 5 at a time, 2 requests each: ~31 s
    cmd = [sys.executable, "-u", str(REPO_ROOT / "flags3_asyncio.py"), "-a", "-s", url, "-m", "5"]
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_as_in_a_terminal,
    )
    folder, deadline = tmp_path / "downloaded", time.monotonic() + 30
    while len(list(folder.glob("*.gif"))) < 3:
        assert time.monotonic() < deadline and proc.poll() is None, "no flag arrived"
        time.sleep(0.02)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == status, err
    said = "Interrupted:" if signum == signal.SIGINT else "Terminated by SIGTERM"
    assert "Traceback" not in err and said in out + err, err  # the bar is on stderr too
    names = sorted(path.name for path in folder.iterdir())
    gifs = {name.removesuffix(".gif") for name in names if name.endswith(".gif")}
    jsons = {name.removesuffix(".json") for name in names if name.endswith(".json")}
    assert gifs == jsons and len(names) == 2 * len(gifs), names  # both files or none, no .tmp
    assert re.search(rf"^OK +{len(gifs)}$", out, re.MULTILINE), out  # counted == on disk
