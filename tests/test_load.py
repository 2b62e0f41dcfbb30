"""course.load: the cores other programs used while a block ran, measured, not guessed."""

import subprocess
import sys
import time

from course.load import OtherLoad


def test_our_own_work_and_our_childrens_is_not_counted_as_others():
    start = time.perf_counter()
    with OtherLoad() as others:
        subprocess.run([sys.executable, "-c", "sum(i * i for i in range(3_000_000))"], check=True)
        sum(i * i for i in range(1_000_000))
    with OtherLoad() as idle:  # the rest of the machine (the other test worker...) without us
        time.sleep(time.perf_counter() - start)
    # our work kept a core busy: counted as others, it would add about 1 core to what they use
    assert others.cores < idle.cores + 0.6, (others.cores, idle.cores)


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
