"""Where a variant's time goes: one measurement under cProfile, in a child process of its own.

    >>> from course import time_share
    >>> url = server.url_for(delay=0.1)
    >>> time_share("httpx2", url, 1000, 1000, "_assign_requests_to_connections")
    0.62                     # the share of the run spent in (and below) that function
    >>> time_share_and_calls("httpx", url, 200, 100, "_assign_requests_to_connections",
    ...                      ["connection_pool.py:handle_async_request"])
    (0.86, {'connection_pool.py:handle_async_request': 1931})   # and how often those ran

The child is the benchmark's (`python -m cProfile -m course.bench.child ...`), so what is
profiled is exactly what `measure` times.
"""

import pstats
import subprocess
import sys
import tempfile
from collections.abc import Sequence
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
    return share_of(profile(variant, base_url, n, concurrency), function)


def time_share_and_calls(
    variant: str, base_url: str, n: int, concurrency: int, function: str, counted: Sequence[str]
) -> tuple[float, dict[str, int]]:
    """time_share, and from the same run how many times each function of `counted` was called
    ("name", or "file.py:name" for the function of that name in that file only)."""
    stats = profile(variant, base_url, n, concurrency)
    return share_of(stats, function), {where: calls(stats, where) for where in counted}


def share_of(stats: pstats.Stats, function: str) -> float:
    """The share of the profiled time spent in functions named `function`, callees included."""
    inside = sum(
        cumulative
        for (_, _, name), (_, _, _, cumulative, _) in stats.stats.items()
        if name == function
    )
    return inside / stats.total_tt


def calls(stats: pstats.Stats, where: str) -> int:
    """How many times the functions named `where` ("name" or "file.py:name") were called."""
    file, _, function = where.rpartition(":")
    return sum(
        count
        for (path, _, name), (_, count, _, _, _) in stats.stats.items()
        if name == function and (not file or Path(path).name == file)
    )
