"""make bench (python -m course.bench): a tiny matrix end to end, files written under --out."""

import subprocess
import sys

import pytest


@pytest.mark.slow
def test_a_tiny_benchmark_writes_its_tables_and_says_nginx_is_missing(tmp_path):
    command = [
        *(sys.executable, "-m", "course.bench"),
        *("--n", "20", "--concurrency", "10", "--delay", "0.05"),
        *("--variants", "threads", "aiohttp", "--nginx", "/no/such/nginx", "--out", str(tmp_path)),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "aiohttp        N=20 C=10 D=0.05:" in done.stdout
    assert "nginx is not installed" in done.stdout
    assert (tmp_path / "results.csv").read_text().count("\n") == 1 + 2  # header + 2 points
    assert (tmp_path / "results.md").exists()
