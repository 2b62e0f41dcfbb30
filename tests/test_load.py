"""course.load: the cores other programs used while a block ran, measured, not guessed."""

import subprocess
import sys
import time

from course import load
from course.load import OtherLoad, parallel_cores, why_busy, why_no_free_core


def test_our_own_work_and_our_childrens_is_not_counted_as_others():
    # The other test worker's load comes and goes; counted as others, our own work would add
    # about 1 core to what they use in every one of three tries, not only in a noisy one.
    extra = []
    for _ in range(3):
        start = time.perf_counter()
        with OtherLoad() as others:
            subprocess.run(
                [sys.executable, "-c", "sum(i * i for i in range(3_000_000))"], check=True
            )
            sum(i * i for i in range(1_000_000))
        with OtherLoad() as idle:  # the rest of the machine (the other test worker...) without us
            time.sleep(time.perf_counter() - start)
        extra.append(others.cores - idle.cores)
    assert min(extra) < 0.6, extra


def test_a_busy_program_beside_us_is_counted():
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # it is running
        with OtherLoad() as others:
            time.sleep(1.0)
    finally:
        burner.kill()
        burner.wait()
    assert others.cores > 0.5  # the burner kept about one core busy


def test_spinning_processes_get_at_most_a_core_each():
    assert 0.2 < parallel_cores(1, 0.2) <= 1.05
    assert 0.2 < parallel_cores(2, 0.2) <= 2.05


def test_spinning_processes_get_less_when_the_cores_are_taken():
    cores = load.cores_available()
    spin = [sys.executable, "-c", "while True: pass"]
    burners = [subprocess.Popen(spin) for _ in range(2 * cores)]  # two per core
    try:
        time.sleep(0.3)  # they are running
        shared = parallel_cores(2, 0.3)  # 2 spinners among 2 * cores busy processes
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert shared < 1.2, shared  # about 2 * cores / (2 * cores + 2): below the notebooks 1.6


def test_a_speed_up_is_checked_only_with_a_free_second_core(monkeypatch):
    monkeypatch.setattr(load, "cores_available", lambda: 2)
    assert why_no_free_core(0.0, 1.95) == ""
    assert "0.8 cores busy" in why_no_free_core(0.8, 1.95)  # others took a core
    assert "got 1.2 of 2" in why_no_free_core(0.0, 1.2)  # the host gave us less than it shows
    monkeypatch.setattr(load, "cores_available", lambda: 1)
    assert why_no_free_core(0.0, 1.0) == "this machine has one core"


def test_a_time_check_is_asserted_only_when_others_left_the_machine_free():
    assert why_busy(0.0) == "" and why_busy(load.MAX_OTHERS) == ""
    assert why_busy(1.04) == "other programs kept 1.0 cores busy"
