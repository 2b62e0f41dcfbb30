"""How busy the rest of the machine was while we measured: a speed-up claim needs free cores.

    >>> from course import OtherLoad
    >>> with OtherLoad() as others:
    ...     run_the_benchmark()
    >>> others.cores          # CPU cores that *other* programs kept busy meanwhile, e.g. 0.07

It compares the CPU time of the whole machine with that of this process and the children it
waited for (a process pool's workers, scripts run to the end): what is left is everybody else.
A claim like "two processes are twice as fast" is checked only when others left a core free.

What OtherLoad cannot see is a host that gives this machine less CPU than its cores (a shared
virtual machine or container): the cores look idle, and yet two processes get less than two.
`parallel_cores()` measures that directly, with processes that do nothing but spin.

Every speed-up check of the course decides the same way, with the same thresholds:

    >>> reason = why_no_free_core(others.cores, parallel_cores(2))
    >>> if reason: print(f"speed-up check: skipped: {reason}")   # a one-line reason
    ... else: assert speedup >= 1.2
"""

import os
import subprocess
import sys
import time

import psutil


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine has spent not idle since boot."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def my_busy_seconds() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    times = psutil.Process().cpu_times()
    return times.user + times.system + times.children_user + times.children_system


class OtherLoad:
    """A `with` block that measures the cores other programs used while it ran (`.cores`)."""

    cores: float = 0.0
    wall: float = 0.0  # seconds the block took

    def __enter__(self) -> "OtherLoad":
        self.start = (time.perf_counter(), machine_busy_seconds(), my_busy_seconds())
        return self

    def __exit__(self, *exc: object) -> None:
        wall0, machine0, mine0 = self.start
        wall = max(time.perf_counter() - wall0, 1e-9)
        others = (machine_busy_seconds() - machine0) - (my_busy_seconds() - mine0)
        self.wall = wall
        self.cores = max(others, 0.0) / wall


SPIN = "import time\nt0 = time.process_time()\nwhile time.process_time() - t0 < {seconds}: pass"


def parallel_cores(workers: int = 2, seconds: float = 0.3) -> float:
    """How many cores `workers` processes that only spin got together just now.

    Each burns `seconds` of CPU time; CPU seconds / wall seconds is the cores they had (at most
    `workers`, a little less for starting the interpreters). It measures the machine, not the
    code under test: a slow result says "no free cores now", never "this code is not parallel".
    """
    command = [sys.executable, "-I", "-S", "-c", SPIN.format(seconds=seconds)]
    t0 = time.perf_counter()
    spinners = [subprocess.Popen(command) for _ in range(workers)]
    for spinner in spinners:
        spinner.wait()
    return workers * seconds / (time.perf_counter() - t0)


MAX_OTHERS = 0.3  # cores other programs may keep busy while a speed-up is measured
MIN_SPINNERS = 1.7  # cores two spinning processes must get right after (of 2)


def cores_available() -> int:
    """The CPU cores this process may run on (its affinity on Linux, all cores elsewhere)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def why_busy(others: float) -> str:
    """Why times measured just now say little about the code, in a few words; "" when they do.

    `others`: OtherLoad().cores during the measurement. A time check that needs no second core
    (scripts that mostly wait on the network) is asserted only when this returns "".
    """
    if others > MAX_OTHERS:
        return f"other programs kept {others:.1f} cores busy"
    return ""


def why_no_free_core(others: float, spinners: float) -> str:
    """Why a second core cannot be counted on now, in a few words; "" when it can.

    `others`: OtherLoad().cores during the measurement; `spinners`: parallel_cores(2) right
    after it. A speed-up that needs two cores is asserted only when this returns "".
    """
    if cores_available() < 2:
        return "this machine has one core"
    if others > MAX_OTHERS or spinners < MIN_SPINNERS:
        return (
            f"other programs kept {others:.1f} cores busy, "
            f"two spinning processes got {spinners:.1f} of 2"
        )
    return ""
