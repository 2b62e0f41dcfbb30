"""deadlock.py: opposite lock order hangs (so the test kills it), a timeout detects it,
one lock order fixes it."""

import signal
import subprocess
import sys

from course.paths import REPO_ROOT

SCRIPT = REPO_ROOT / "deadlock.py"


def start(*args: str) -> subprocess.Popen:
    cmd = [sys.executable, str(SCRIPT), *args]
    return subprocess.Popen(
        cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_opposite_order_is_still_running_after_the_deadline_and_ctrl_c_stops_it():
    proc = start()
    try:
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            pass
        assert proc.poll() is None  # both threads wait for each other: forever
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130  # 128 + SIGINT, as a shell reports Ctrl-C
    assert err == "interrupted: both threads were still waiting for each other's lock\n"


def test_acquire_with_a_timeout_detects_the_deadlock_and_the_first_to_give_up_lets_the_other_on():
    for _ in range(5):
        proc = start("--timeout", "0.5")
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 1
        assert out == ""
        assert err == (
            "deadlock: A -> B: gave up waiting for lock B after 0.5 s; B -> A: done\n"
        ), "thread 2 starts LATER: its timeout ends after thread 1 has let go of lock A"


def test_one_lock_order_for_everyone_finishes():
    for _ in range(3):
        proc = start("--ordered")
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert out == "A -> B: done\nB -> A: done\n"


def test_a_wrong_argument_gets_the_usage_line():
    for args in (["--timeout", "soon"], ["--fast"], ["--timeout", "-1"]):
        proc = start(*args)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 1
        assert err == "usage: python deadlock.py [--ordered | --timeout SECONDS]\n"
