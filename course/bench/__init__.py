"""The benchmark behind `make bench` (python -m course.bench) and notebook 05, split by concern:

variants.py   the download variants (sequential, threads, httpx, httpx+aiohttp, aiohttp)
child.py      one measurement in a child process of its own: one line of JSON back
measure.py    Point, measure(), the limit ceil(N/C)·D, the matrix of points
nginx.py      the reference server: nginx serving the same files
report.py     CSV, Markdown tables and PNG plots under build/bench/
profile.py    time_share(): where a variant's time goes (cProfile in a child)
latency.py    python -m course.bench.latency: flags_asyncio.py's time against pure latency
__main__.py   make bench
"""

from course.bench.measure import Point, busy_while, describe, find, limit_seconds, measure
from course.bench.profile import time_share, time_share_and_calls
from course.bench.variants import VARIANTS, library_versions, make_async_client

__all__ = [
    "VARIANTS",
    "Point",
    "busy_while",
    "describe",
    "find",
    "library_versions",
    "limit_seconds",
    "make_async_client",
    "measure",
    "time_share",
    "time_share_and_calls",
]
