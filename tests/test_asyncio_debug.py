"""asyncio_debug.py: debug mode reports the blocking call and the coroutine never awaited."""

import os
import subprocess
import sys

from course.paths import REPO_ROOT


def run(debug: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONASYNCIODEBUG"}
    if debug:
        env["PYTHONASYNCIODEBUG"] = "1"
    command = [sys.executable, str(REPO_ROOT / "asyncio_debug.py")]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)


def test_debug_mode_logs_the_slow_task_and_where_the_forgotten_coroutine_was_created():
    done = run(debug=True)
    assert done.returncode == 0, done.stderr
    assert "Executing <Task finished name='blocks'" in done.stderr
    assert " took 0.3" in done.stderr
    assert "RuntimeWarning: coroutine 'forgotten' was never awaited" in done.stderr
    assert "Coroutine created at (most recent call last)" in done.stderr
    assert "ticks while blocked: 0 in " in done.stdout


def test_without_debug_mode_only_the_never_awaited_warning_is_left():
    done = run(debug=False)
    assert done.returncode == 0, done.stderr
    assert "Executing" not in done.stderr
    assert "Coroutine created at" not in done.stderr
    assert "RuntimeWarning: coroutine 'forgotten' was never awaited" in done.stderr
