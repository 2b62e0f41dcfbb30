"""flags3_asyncio.py: two chained requests per flag (its JSON, then its GIF), both saved."""

import json
import re
import subprocess
import sys

from course.data import COURSE_CODES
from course.paths import REPO_ROOT
from flagserver import fails

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
