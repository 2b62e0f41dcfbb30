"""Benchmark: how far threads, asyncio + httpx (and httpx2) and aiohttp scale, against the limit.

N requests with at most C in flight, each answered after D seconds, cannot finish before
ceil(N / C) x D. This runs every variant of course/bench/variants.py (sequential, threads, httpx,
httpx over the aiohttp transport, httpx2, aiohttp) for N in {20, 100, 1000}, C in {10, 100, 1000}
and D in {0, 0.1 s}, each point in a child process of its own, against a flag server it starts on
a free port (N = 1000 reuses the server's 256 codes cyclically). Then it runs the no-latency
load against nginx serving the same GIF files, to check that the server is not what limits
the clients (skipped, with a note, if nginx is not installed). Takes about 4 minutes.

Run it with `make bench` (or `.venv/bin/python -m course.bench`; `-h` for options). It prints the
table and writes under build/bench/:

    results.csv  results.md        every point: wall time, ratio to the limit, req/s, memory
    time_vs_n.png                  D = 0.1 s, C = 100: time against N, with the limit
    time_vs_concurrency.png        D = 0.1 s, N = 1000: time against C, with the limit
    throughput.png                 D = 0: requests/s at N = 1000, C = 100, flag server and nginx
    memory.png                     peak memory with 1000 requests in flight

Sample run (2 cores, shared with other work: expect noise):

    $ make bench
    ...
    Versions: httpx 0.29.0, httpcore 1.0.9, httpx2 2.17.0, httpcore2 2.17.0, ...
    ...
    httpx          N=1000 C=100 D=0.1: 10.94 s, 10.9x the limit, CPU 10.65 ms/req, 42 MiB
    httpx+aiohttp  N=1000 C=100 D=0.1: 1.17 s, 1.2x the limit, CPU 0.32 ms/req, 49 MiB
    httpx2         N=1000 C=100 D=0.1: 1.16 s, 1.2x the limit, CPU 0.62 ms/req, 45 MiB
    aiohttp        N=1000 C=100 D=0.1: 1.11 s, 1.1x the limit, CPU 0.15 ms/req, 46 MiB
    ...
    Wrote build/bench/results.csv, results.md and 4 plots in 164 s
"""

import argparse
import time
from pathlib import Path

from course.bench.measure import Point, describe, matrix, measure, runs_sequential
from course.bench.nginx import compare_servers
from course.bench.report import (
    SERVER_CHECK,
    key_table,
    markdown_table,
    save_plots,
    write_csv,
    write_markdown,
)
from course.bench.variants import VARIANTS, library_versions
from flagserver import FlagServer, start_server

OUT_DIR = Path("build/bench")  # relative to where it runs: `make bench` runs in the root
NS = [20, 100, 1000]
CONCURRENCIES = [10, 100, 1000]
DELAYS = [0.0, 0.1]
CONCURRENT_VARIANTS = [v for v in VARIANTS if v != "sequential"]


def run_matrix(args: argparse.Namespace, server: FlagServer) -> list[Point]:
    points: list[Point] = []
    sequential_done: set[tuple[int, float]] = set()
    for n, concurrency, delay in matrix(args.n, args.concurrency, args.delay):
        for variant in args.variants:
            if variant == "sequential":
                if not runs_sequential(n, delay) or (n, delay) in sequential_done:
                    continue  # slow, and its C is always 1: once per (N, D), small N only
                sequential_done.add((n, delay))
            url = server.url_for(delay=delay)
            point = measure(variant, url, n, concurrency, server_pid=server.pid)
            if point.error:  # a busy machine can reset a connection: one more try, then report
                print(describe(point), "(retrying once)", flush=True)
                point = measure(variant, url, n, concurrency, server_pid=server.pid)
            print(describe(point), flush=True)
            points.append(point)
    return points


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=NS, help="numbers of requests")
    parser.add_argument("--concurrency", type=int, nargs="+", default=CONCURRENCIES)
    parser.add_argument("--delay", type=float, nargs="+", default=DELAYS, help="seconds")
    parser.add_argument("--variants", nargs="+", default=VARIANTS, choices=VARIANTS)
    parser.add_argument("--nginx", default="nginx", help="nginx executable (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="default: %(default)s")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    versions = f"Versions: {library_versions()}"
    print(versions, flush=True)
    server = start_server(port=0, quiet=True)
    try:
        points = run_matrix(args, server)
        variants = [v for v in args.variants if v in CONCURRENT_VARIANTS]
        nginx_points, note = compare_servers(variants, *SERVER_CHECK, args.nginx)
    finally:
        server.stop()
    for point in nginx_points:
        print(describe(point), flush=True)
    points += nginx_points
    if note:
        print(f"Note: {note}")
    write_csv(points, args.out / "results.csv")
    write_markdown(points, args.out / "results.md", [versions, note, key_table(points)])
    plots = save_plots(points, args.out)
    print(f"\n{markdown_table(points)}\n\nKey numbers, N=1000:\n\n{key_table(points)}\n")
    print(versions)
    elapsed = time.perf_counter() - t0
    print(f"Wrote {args.out}/results.csv, results.md and {len(plots)} plots in {elapsed:.0f} s")


if __name__ == "__main__":
    main()
