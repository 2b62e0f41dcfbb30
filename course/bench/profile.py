"""Where a variant's time goes: one measurement under cProfile, in a child process of its own.

    >>> from course import time_share
    >>> url = server.url_for(delay=0.1)
    >>> time_share("httpx2", url, 1000, 1000, "_assign_requests_to_connections")
    0.62                     # the share of the run spent in (and below) that function

The child is the benchmark's (`python -m cProfile -m course.bench.child ...`), so what is
profiled is exactly what `measure` times.
"""

import pstats
import subprocess
import sys
import tempfile
from pathlib import Path

from course.bench.measure import CHILD_TIMEOUT


def profile(variant: str, base_url: str, n: int, concurrency: int) -> pstats.Stats:
    """The cProfile statistics of one measurement (a failure raises with the child's last line)."""
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as folder:
        out = Path(folder) / "run.prof"
        command = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "course.bench.child"]
        done = subprocess.run(
            [*command, variant, base_url, str(n), str(concurrency)],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
            raise RuntimeError(f"{variant} failed under the profiler: {last}")
        return pstats.Stats(str(out))


def time_share(variant: str, base_url: str, n: int, concurrency: int, function: str) -> float:
    """The share of the profiled time spent in `function` and what it calls (0..1)."""
    stats = profile(variant, base_url, n, concurrency)
    inside = sum(
        cumulative
        for (_, _, name), (_, _, _, cumulative, _) in stats.stats.items()
        if name == function
    )
    return inside / stats.total_tt
