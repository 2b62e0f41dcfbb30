"""Measure how far each concurrency model scales: the code behind `make bench` and notebook 05.

    >>> from flagserver.bench import measure, limit_seconds
    >>> point = measure("httpx", server.url_for(delay=0.1), n=1000, concurrency=100)
    >>> point.wall, point.ratio, point.peak_rss_mib     # seconds, wall / limit, MiB

N requests with at most C in flight, each answered after D seconds, cannot finish before
ceil(N / C) x D: that is the limit every result is compared with (for D = 0, requests/s).

Every measurement runs in a child process of its own (`python -m flagserver.bench VARIANT
URL N C`), so the peak memory it reports (ru_maxrss) belongs to that variant alone, and one
variant's leftovers (threads, sockets, an event loop) never slow the next one. The child
downloads N flags: the codes the server has (256), reused cyclically when N is larger.
Flags are read into memory, not saved: this measures the HTTP side of each model.

The variants follow the course's scripts (flags2_threadpool.py, flags2_asyncio.py):
    sequential      one httpx.Client, one request after another
    threads         ThreadPoolExecutor(max_workers=C) sharing one httpx.Client (C connections)
    httpx           asyncio: httpx.AsyncClient(limits=C connections) + asyncio.Semaphore(C)
    httpx+aiohttp   the same code, with the client built on the httpx-aiohttp transport
    aiohttp         asyncio: aiohttp.ClientSession(TCPConnector(limit=C)) + Semaphore(C)
"""

import asyncio
import csv
import importlib
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import httpx

from flagserver.launcher import free_port, terminate

FLAGS_DIR = Path(__file__).resolve().parent / "data" / "flags"
TIMEOUT = 60.0  # seconds for one request, queueing included: generous, the cliff is slow
CHILD_TIMEOUT = 120.0  # seconds for one whole measurement; longer is reported as an error
VARIANTS = ["sequential", "threads", "httpx", "httpx+aiohttp", "aiohttp"]
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
    "error",
]


def limit_seconds(n: int, concurrency: int, delay: float) -> float:
    """The fastest any client can be: ceil(N / C) rounds of requests, each taking D seconds."""
    return math.ceil(n / concurrency) * delay


def flag_codes() -> list[str]:
    """Every code the server has, sorted: ['ad', 'ae', ...]."""
    return sorted(path.stem for path in FLAGS_DIR.glob("*.gif"))


def flag_urls(base_url: str, n: int) -> list[str]:
    """N flag URLs; the server's codes are reused cyclically when N is larger than their count."""
    codes = flag_codes()
    return [f"{base_url}/{cc}/{cc}.gif" for cc in (codes[i % len(codes)] for i in range(n))]


# -- the variants: each downloads every URL with at most `concurrency` requests in flight and
#    returns the number of bytes it received (a non-2xx status raises) ----------------------


def get_sync(client: httpx.Client, url: str) -> int:
    resp = client.get(url)
    resp.raise_for_status()
    return len(resp.content)


def download_sequential(urls: list[str], concurrency: int) -> int:
    with httpx.Client(timeout=TIMEOUT) as client:
        return sum(get_sync(client, url) for url in urls)


def download_threads(urls: list[str], concurrency: int) -> int:
    limits = httpx.Limits(max_connections=concurrency)
    with (
        httpx.Client(timeout=TIMEOUT, limits=limits) as client,
        ThreadPoolExecutor(max_workers=concurrency) as executor,
    ):
        return sum(executor.map(partial(get_sync, client), urls))


def make_async_client(concurrency: int, transport: str = "httpcore") -> httpx.AsyncClient:
    """An httpx.AsyncClient for C requests at a time, on httpx's own transport or on aiohttp's."""
    limits = httpx.Limits(max_connections=concurrency)
    if transport == "aiohttp":
        from httpx_aiohttp import AiohttpTransport

        return httpx.AsyncClient(timeout=TIMEOUT, transport=AiohttpTransport(limits=limits))
    return httpx.AsyncClient(timeout=TIMEOUT, limits=limits)


async def fetch_all(client: httpx.AsyncClient, urls: list[str], concurrency: int) -> int:
    """The course's asyncio downloader, reduced to its HTTP part (as in flags2_asyncio.py)."""
    semaphore = asyncio.Semaphore(concurrency)

    async def get_one(url: str) -> int:
        async with semaphore:
            resp = await client.get(url)
        resp.raise_for_status()
        return len(resp.content)

    return sum(await asyncio.gather(*(get_one(url) for url in urls)))


async def httpx_supervisor(urls: list[str], concurrency: int, transport: str) -> int:
    async with make_async_client(concurrency, transport) as client:
        return await fetch_all(client, urls, concurrency)


async def aiohttp_supervisor(urls: list[str], concurrency: int) -> int:
    import aiohttp

    semaphore = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def get_one(url: str) -> int:
            async with semaphore, session.get(url) as resp:
                resp.raise_for_status()
                return len(await resp.read())

        return sum(await asyncio.gather(*(get_one(url) for url in urls)))


DOWNLOADERS: dict[str, Callable[[list[str], int], int]] = {
    "sequential": download_sequential,
    "threads": download_threads,
    "httpx": lambda urls, c: asyncio.run(httpx_supervisor(urls, c, "httpcore")),
    "httpx+aiohttp": lambda urls, c: asyncio.run(httpx_supervisor(urls, c, "aiohttp")),
    "aiohttp": lambda urls, c: asyncio.run(aiohttp_supervisor(urls, c)),
}


def proc_status_mib(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status (Linux), in MiB."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    kib = next((line.split()[1] for line in status.splitlines() if line.startswith(field)), 0)
    return int(kib) / 2**10 or None


def peak_rss_mib() -> float:
    """This process's peak resident memory in MiB.

    VmHWM where Linux has it: ru_maxrss survives fork + exec, so a child of a big process
    (a Jupyter kernel) would report its parent's size. Elsewhere ru_maxrss (bytes on macOS).
    """
    if linux_peak := proc_status_mib("VmHWM:"):
        return linux_peak
    try:
        import resource
    except ImportError:  # Windows: psutil knows the peak working set
        import psutil

        return psutil.Process().memory_info().peak_wset / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def peak_vm_mib() -> float | None:
    """Peak address space reserved (VmPeak, Linux only): thread stacks count here in full."""
    return proc_status_mib("VmPeak:")


# What each variant imports on its first use (httpx loads httpcore only when it builds its
# transport). run_here imports them before it starts the clock: loading a library is a cost of
# starting Python, paid once per process (aiohttp alone takes ~0.3 s on a slow machine), not
# a cost of downloading. Otherwise the variants on aiohttp would pay it inside their time.
LIBRARIES = {
    "sequential": ["httpcore"],
    "threads": ["httpcore"],
    "httpx": ["httpcore"],
    "httpx+aiohttp": ["httpx_aiohttp"],
    "aiohttp": ["aiohttp"],
}


def run_here(variant: str, base_url: str, n: int, concurrency: int) -> dict[str, float | None]:
    """Run one variant in this process: wall time, bytes received, peak memory."""
    urls = flag_urls(base_url, n)
    downloader = DOWNLOADERS[variant]
    for module in LIBRARIES[variant]:
        importlib.import_module(module)
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    received = downloader(urls, concurrency)
    wall = time.perf_counter() - t0
    return {
        "wall_s": wall,
        "cpu_s": time.process_time() - cpu0,
        "bytes": received,
        "peak_rss_mib": peak_rss_mib(),
        "peak_vm_mib": peak_vm_mib(),
    }


# -- measuring in a child process ------------------------------------------------------------


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
) -> Point:
    """Run one variant in a fresh child process; a failure or a timeout lands in Point.error.

    With `server_pid`, the CPU time the server (and its children) spent meanwhile is kept too.
    The sequential variant makes one request at a time whatever `concurrency` says: C = 1.
    """
    concurrency = 1 if variant == "sequential" else concurrency
    delay = delay_of(base_url)
    point = Point(variant, server, n, concurrency, delay)
    command = [sys.executable, "-m", "flagserver.bench", variant, base_url, str(n)]
    server_cpu0 = tree_cpu_seconds(server_pid)
    try:
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
    if server_cpu0 is not None:
        point.server_cpu_s = tree_cpu_seconds(server_pid) - server_cpu0
    return point


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
    return (
        f"{head} {point.wall_s:.2f} s, {speed}, CPU {point.cpu_ms_per_req:.2f} ms/req, "
        f"{point.peak_rss_mib:.0f} MiB"
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


# -- the reference server: nginx serving the same files --------------------------------------


class NginxUnavailable(RuntimeError):
    """nginx is not installed or did not start: the message says so and what to do."""


NGINX_CONF = """\
{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ image/gif gif; }}
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port};
        location ~ "^/flags/([a-z]{{2}}(-[a-z]{{3}})?)/\\1\\.gif$" {{
            alias {flags}/$1.gif;
        }}
    }}
}}
"""


def find_nginx(binary: str = "nginx") -> str | None:
    """The nginx executable: on PATH, or in /usr/sbin (not on a normal user's PATH)."""
    found = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/usr/local/sbin")
    return found


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


@contextmanager
def nginx_server(binary: str = "nginx") -> Iterator[tuple[str, int]]:
    """Start nginx on a free loopback port serving the flags at /flags/{cc}/{cc}.gif.

    Yields the base URL of the flags (like FlagServer.url) and nginx's pid; stops nginx on
    exit. One worker process, like the flag server's one uvicorn process. Raises
    NginxUnavailable if nginx is not installed or does not start.
    """
    executable = find_nginx(binary)
    if executable is None:
        raise NginxUnavailable(
            f"nginx is not installed ({binary!r} not found): the server comparison is skipped. "
            "To run it: apt-get install nginx"
        )
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as tmp:
        port = free_port()
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the flags
        conf = NGINX_CONF.format(user=user, tmp=tmp, port=port, flags=FLAGS_DIR)
        Path(tmp, "nginx.conf").write_text(conf)
        command = [executable, "-p", tmp, "-c", f"{tmp}/nginx.conf", "-g", "daemon off;"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            if not wait_for_port(port, process):
                output = process.stdout.read().decode(errors="replace") if process.poll() else ""
                raise NginxUnavailable(f"nginx did not start on port {port}: {output.strip()}")
            yield f"http://127.0.0.1:{port}/flags", process.pid
        finally:
            terminate(process)


def compare_servers(
    variants: Sequence[str], n: int, concurrency: int, nginx_binary: str = "nginx"
) -> tuple[list[Point], str]:
    """The no-latency load of the matrix, sent to nginx serving the same files.

    Returns the nginx points (the flag server's are in the main matrix) and a note that is
    empty when nginx ran, or says why the comparison was skipped.
    """
    try:
        with nginx_server(nginx_binary) as (url, pid):
            points = [
                measure(v, url, n, concurrency, server="nginx", server_pid=pid) for v in variants
            ]
    except NginxUnavailable as error:
        return [], str(error)
    return points, ""


# -- tables and plots --------------------------------------------------------------------


def write_csv(points: Sequence[Point], path: Path) -> None:
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(point.row() for point in points)


def markdown_table(points: Sequence[Point]) -> str:
    rows = [point.row() for point in points]
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(row[name]) for name in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def write_markdown(points: Sequence[Point], path: Path, notes: Sequence[str] = ()) -> None:
    text = "# Benchmark: how far each concurrency model scales\n\n"
    text += "".join(f"> {note}\n\n" for note in notes if note)
    path.write_text(text + markdown_table(points) + "\n")


def key_table(points: Sequence[Point], n: int = 1000) -> str:
    """The numbers worth remembering, one row per variant, as Markdown."""

    def cell(**where: object) -> str:
        found = [p for p in find(points, n=n, **where) if p.wall_s]
        if not found:
            return "-"
        p = found[0]
        return f"{p.wall_s:.2f} s (x{p.ratio:.1f})" if p.ratio else f"{p.req_per_s:.0f}"

    def memory(**where: object) -> str:
        found = [p for p in find(points, n=n, delay_s=0.1, **where) if p.peak_rss_mib]
        vm = found[0].peak_vm_mib if found else None
        return f"{found[0].peak_rss_mib:.0f} / {vm:.0f}" if found and vm else "-"

    head = [
        "variant",
        *(f"C={c}, D=0.1: wall (x limit)" for c in (10, 100, 1000)),
        "D=0, C=100: req/s flagserver",
        "req/s nginx",
        "C=1000: peak RSS / VM, MiB",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for variant in dict.fromkeys(p.variant for p in points if p.n == n):
        cells = [
            cell(variant=variant, concurrency=c, delay_s=0.1, server="flagserver")
            for c in (10, 100, 1000)
        ]
        cells.append(cell(variant=variant, concurrency=100, delay_s=0.0, server="flagserver"))
        cells.append(cell(variant=variant, concurrency=100, delay_s=0.0, server="nginx"))
        cells.append(memory(variant=variant, concurrency=1000, server="flagserver"))
        lines.append("| " + " | ".join([variant, *cells]) + " |")
    return "\n".join(lines)


def find(points: Sequence[Point], **where: object) -> list[Point]:
    """The points whose fields equal every given value: find(points, n=1000, delay_s=0.1)."""
    return [p for p in points if all(getattr(p, k) == v for k, v in where.items())]


def plot_scaling(points: Sequence[Point], axis: str, **fixed: object):
    """Wall time against N or C (axis='n' or 'concurrency'), one line per variant + the limit.

    Returns None when no point matches (nothing to draw).
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter

    chosen = [p for p in find(points, **fixed) if p.wall_s and p.limit_s]
    if not chosen:
        return None
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    for variant in dict.fromkeys(p.variant for p in chosen):
        mine = sorted(find(chosen, variant=variant), key=lambda p: getattr(p, axis))
        ax.plot([getattr(p, axis) for p in mine], [p.wall_s for p in mine], "o-", label=variant)
    by_x = {getattr(p, axis): p.limit_s for p in chosen}
    xs = sorted(by_x)
    ax.plot(xs, [by_x[x] for x in xs], "k--", lw=2, label="предел ceil(N/C)·D")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(xs, [f"{x:g}" for x in xs])  # the measured N or C, not powers of ten
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("N, запросов" if axis == "n" else "C, одновременных запросов")
    ax.set_ylabel("время, с (лог. шкала)")
    names = {"n": "N", "concurrency": "C", "delay_s": "D"}
    shown = ", ".join(f"{names.get(k, k)}={v:g}" for k, v in fixed.items())
    ax.set_title(f"Время против {'N' if axis == 'n' else 'C'} ({shown})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_bars(labels: Sequence[str], values: Sequence[float], title: str, ylabel: str):
    """A plain bar chart with the value written on each bar."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3.6), layout="constrained")
    ax = fig.subplots()
    bars = ax.bar(labels, values, color="tab:blue")
    ax.bar_label(bars, fmt=lambda v: f"{v:.0f}" if v >= 100 else f"{v:.1f}")
    ax.margins(y=0.12)  # room for the label above the tallest bar
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", labelsize=8)
    return fig


def main(argv: list[str]) -> None:
    """The child: python -m flagserver.bench VARIANT BASE_URL N C -> one line of JSON."""
    variant, base_url, n, concurrency = argv
    print(json.dumps(run_here(variant, base_url, int(n), int(concurrency))))


if __name__ == "__main__":
    main(sys.argv[1:])
