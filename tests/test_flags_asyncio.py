"""flags_asyncio.py: real downloads from a real flag server, code reused from flags_seq."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image

import flags_asyncio
import flags_seq
from course.data import COURSE_CODES
from course.paths import REPO_ROOT
from flagserver import free_port

SCRIPT = REPO_ROOT / "flags_asyncio.py"
PRINTED_TIME = re.compile(r"^20 downloads in (\d+\.\d+)s$", re.MULTILINE)


def run(script: Path, base_url: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLAGS_BASE_URL": base_url}
    cmd = [sys.executable, str(script)]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def printed_seconds(proc: subprocess.CompletedProcess) -> float:
    match = PRINTED_TIME.search(proc.stdout)
    assert match, proc.stdout + proc.stderr
    return float(match[1])


def test_downloads_the_20_flags_as_valid_gif_images(flag_server, tmp_path):
    proc = run(SCRIPT, flag_server.url, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    files = sorted((tmp_path / "downloaded").iterdir())
    assert [f.name for f in files] == sorted(f"{cc}.gif" for cc in COURSE_CODES)
    for path in files:
        with Image.open(path) as image:
            assert image.format == "GIF"
            image.verify()
    printed_codes = proc.stdout.split("\n")[0].split()
    assert sorted(printed_codes) == sorted(cc.upper() for cc in COURSE_CODES)
    assert printed_seconds(proc) >= 0


def test_base_url_save_flag_and_main_are_imported_from_flags_seq():
    assert flags_asyncio.main is flags_seq.main
    assert flags_asyncio.save_flag is flags_seq.save_flag
    assert flags_asyncio.BASE_URL is flags_seq.BASE_URL


def test_flags_asyncio_defines_no_copy_of_the_reused_code():
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.AsyncFunctionDef)} | {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef)
    }
    assigned = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    assert {"download_one", "get_flag", "supervisor", "download_many"} <= defined
    assert not defined & {"save_flag", "main"}
    assert "BASE_URL" not in assigned
    imported = {
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "flags_seq"
        for alias in node.names
    }
    assert {"BASE_URL", "save_flag", "main"} <= imported


def test_server_down_gives_one_clear_line_and_a_nonzero_exit(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/flags"
    proc = run(SCRIPT, url, tmp_path)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.strip().splitlines() == [
        f"No flag server at {url}: start one with `python -m flagserver`"
    ]


def test_an_http_error_is_reported_by_main_in_one_line(flag_server, tmp_path):
    proc = run(SCRIPT, flag_server.url_for(errors=0.25), tmp_path)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("HTTP 503 for ") and "injected error" in line


def test_asyncio_takes_well_under_half_the_sequential_time_at_200ms_latency(flag_server, tmp_path):
    url = flag_server.url_for(delay=0.2)
    sequential = printed_seconds(run(REPO_ROOT / "flags_seq.py", url, tmp_path))
    concurrent = printed_seconds(run(SCRIPT, url, tmp_path))
    assert concurrent / sequential < 0.5
