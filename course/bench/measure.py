"""Measure one point of the benchmark: a variant downloading N flags, C at a time, D s each.

    >>> from course import limit_seconds, measure
    >>> point = measure("httpx", server.url_for(delay=0.1), n=1000, concurrency=100)
    >>> point.wall_s, point.ratio, point.peak_rss_mib     # seconds, wall / limit, MiB

N requests with at most C in flight, each answered after D seconds, cannot finish before
ceil(N / C) x D: that is the limit every result is compared with (for D = 0, requests/s).
Every measurement runs in a child process of its own (course.bench.child).
"""

import json
import math
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from course.load import OtherLoad, why_busy

CHILD_TIMEOUT = 120.0  # seconds for one whole measurement; longer is reported as an error
COLUMNS = [
    "variant",
    "server",
    "n",
    "concurrency",
    "delay_s",
    "wall_s",
    "limit_s",
    "ratio",
    "req_per_s",
    "peak_rss_mib",
    "peak_vm_mib",
    "cpu_ms_per_req",
    "server_cpu_ms_per_req",
    "ctx_switches",
    "error",
]


def limit_seconds(n: int, concurrency: int, delay: float) -> float:
    """The fastest any client can be: ceil(N / C) rounds of requests, each taking D seconds."""
    return math.ceil(n / concurrency) * delay


@dataclass
class Point:
    """One measurement: a variant downloading N flags, C at a time, each taking D seconds."""

    variant: str
    server: str
    n: int
    concurrency: int
    delay_s: float
    wall_s: float | None = None
    peak_rss_mib: float | None = None
    peak_vm_mib: float | None = None
    cpu_s: float | None = None
    server_cpu_s: float | None = None
    ctx_switches: int | None = None  # voluntary + involuntary, of the client's process
    others_cores: float | None = None  # cores other programs (not client, not server) kept busy
    tries: int = 1  # the fastest of this many runs
    error: str = ""

    @property
    def limit_s(self) -> float:
        return limit_seconds(self.n, self.concurrency, self.delay_s)

    @property
    def ratio(self) -> float | None:
        """Wall time / limit (>= 1; 1 is perfect); None without latency or without a result."""
        return self.wall_s / self.limit_s if self.wall_s and self.limit_s else None

    @property
    def req_per_s(self) -> float | None:
        return self.n / self.wall_s if self.wall_s else None

    @property
    def cpu_ms_per_req(self) -> float | None:
        """The client's CPU time per request: what a busy machine's noise changes least."""
        return 1000 * self.cpu_s / self.n if self.cpu_s is not None else None

    @property
    def switches_per_req(self) -> float | None:
        """Context switches of the client's process per request (threads wait, then wake)."""
        return self.ctx_switches / self.n if self.ctx_switches is not None else None

    @property
    def server_cpu_ms_per_req(self) -> float | None:
        """The server's CPU time per request, while this client ran."""
        return 1000 * self.server_cpu_s / self.n if self.server_cpu_s is not None else None

    def row(self) -> dict[str, object]:
        """The point as one table row, in COLUMNS order, numbers rounded for reading."""
        values = asdict(self) | {
            "limit_s": self.limit_s,
            "ratio": self.ratio,
            "req_per_s": self.req_per_s,
            "cpu_ms_per_req": self.cpu_ms_per_req,
            "server_cpu_ms_per_req": self.server_cpu_ms_per_req,
        }
        digits = {
            "wall_s": 3,
            "limit_s": 3,
            "ratio": 2,
            "req_per_s": 0,
            "peak_rss_mib": 1,
            "peak_vm_mib": 0,
            "cpu_ms_per_req": 2,
            "server_cpu_ms_per_req": 2,
        }
        for name, ndigits in digits.items():
            if values[name] is not None:
                values[name] = round(values[name], ndigits)
        return {name: "" if values[name] is None else values[name] for name in COLUMNS}


def measure(
    variant: str,
    base_url: str,
    n: int,
    concurrency: int,
    server: str = "flagserver",
    server_pid: int | None = None,
    timeout: float = CHILD_TIMEOUT,
    tries: int = 1,
) -> Point:
    """Run one variant in a fresh child process; a failure or a timeout lands in Point.error.

    With `server_pid`, the CPU time the server (and its children) spent meanwhile is kept too,
    and `others_cores` is what the rest of the machine used (without the client and server).
    With `tries` > 1 the point is the fastest of that many runs: a busy machine can only make a
    run slower, so the fastest is the nearest to what the client itself can do.
    The sequential variant makes one request at a time whatever `concurrency` says: C = 1.
    """
    runs = []
    for _ in range(tries):
        runs.append(measure_once(variant, base_url, n, concurrency, server, server_pid, timeout))
        if runs[-1].error:
            return runs[-1]
    fastest = min(runs, key=lambda point: point.wall_s)
    fastest.tries = tries
    return fastest


def measure_once(
    variant: str,
    base_url: str,
    n: int,
    concurrency: int,
    server: str,
    server_pid: int | None,
    timeout: float,
) -> Point:
    """One run of `measure`."""
    concurrency = 1 if variant == "sequential" else concurrency
    delay = delay_of(base_url)
    point = Point(variant, server, n, concurrency, delay)
    command = [sys.executable, "-m", "course.bench.child", variant, base_url, str(n)]
    server_cpu0 = tree_cpu_seconds(server_pid)
    try:
        with OtherLoad() as others:  # counts the child (waited for), not the server
            done = subprocess.run(
                [*command, str(concurrency)], capture_output=True, text=True, timeout=timeout
            )
    except subprocess.TimeoutExpired:
        point.error = f"no result within {timeout:g} s"
        return point
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        point.error = lines[-1][:120]
        return point
    result = json.loads(done.stdout.strip().splitlines()[-1])
    point.wall_s, point.peak_rss_mib = result["wall_s"], result["peak_rss_mib"]
    point.peak_vm_mib, point.cpu_s = result["peak_vm_mib"], result["cpu_s"]
    point.ctx_switches = result.get("ctx_switches")
    if server_cpu0 is not None:
        point.server_cpu_s = tree_cpu_seconds(server_pid) - server_cpu0
        point.others_cores = max(others.cores - point.server_cpu_s / others.wall, 0.0)
    return point


def busy_while(points: Sequence[Point]) -> str:
    """Why the times of `points` say little about the clients, in a few words; "" if they do.

    A time is the client's and the server's only when other programs left the machine free
    meanwhile (course.load.why_busy) during every point (unknown counts as free).
    """
    busiest = max(points, key=lambda point: point.others_cores or 0.0)
    if reason := why_busy(busiest.others_cores or 0.0):
        return f"{reason} during {busiest.variant} N={busiest.n} C={busiest.concurrency}"
    return ""


def tree_cpu_seconds(pid: int | None) -> float | None:
    """CPU seconds (user + system) used so far by a process and its children; None if unknown."""
    if pid is None:
        return None
    import psutil

    try:
        process = psutil.Process(pid)
        tree = [process, *process.children(recursive=True)]
        return sum(p.cpu_times().user + p.cpu_times().system for p in tree)
    except psutil.Error:
        return None


def describe(point: Point) -> str:
    """One line per point, numbers unpadded (so a notebook's output can be normalised)."""
    head = f"{point.variant:14} N={point.n} C={point.concurrency} D={point.delay_s:g}:"
    if point.error:
        return f"{head} ERROR {point.error}"
    speed = f"{point.ratio:.1f}x the limit" if point.ratio else f"{point.req_per_s:.0f} req/s"
    fastest = f" (the fastest of {point.tries})" if point.tries > 1 else ""
    return (
        f"{head} {point.wall_s:.2f} s, {speed}, CPU {point.cpu_ms_per_req:.2f} ms/req, "
        f"{point.peak_rss_mib:.0f} MiB{fastest}"
    )


def delay_of(base_url: str) -> float:
    """The latency a flag server URL asks for: '.../delay/0.1/flags' -> 0.1."""
    parts = base_url.rstrip("/").split("/")
    return float(parts[parts.index("delay") + 1]) if "delay" in parts else 0.0


def matrix(
    ns: Sequence[int], concurrencies: Sequence[int], delays: Sequence[float]
) -> list[tuple[int, int, float]]:
    """The (N, C, D) points worth running: C > N only once (every request in flight at once)."""
    points = []
    for delay in delays:
        for n in ns:
            useful = [c for c in sorted(concurrencies) if c < n]
            useful += [c for c in sorted(concurrencies) if c >= n][:1]
            points += [(n, c, delay) for c in useful]
    return points


def runs_sequential(n: int, delay: float, max_seconds: float = 2.0) -> bool:
    """Sequential runs only where it ends quickly: N x D within a couple of seconds, N <= 100."""
    return n <= 100 and n * delay <= max_seconds


def find(points: Sequence[Point], **where: object) -> list[Point]:
    """The points whose fields equal every given value: find(points, n=1000, delay_s=0.1)."""
    return [p for p in points if all(getattr(p, k) == v for k, v in where.items())]
