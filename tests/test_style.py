"""The scripts students read stay ruff-clean (lint and format, line length 100)."""

import subprocess
import sys

from course.paths import REPO_ROOT


def ruff(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "ruff", *args, "."]
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)


def test_every_python_file_passes_ruff_check():
    result = ruff("check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_python_file_is_ruff_formatted():
    result = ruff("format", "--check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
