"""Benchmark: how close does flags_asyncio.py get to the pure waiting time D?

With a latency of D seconds on every response and all 20 requests in flight at once, the
ideal time is D. This starts a flag server on a free port, runs `flags_asyncio.py` as a real
process (cwd = a temporary folder) N times for each D, reads the time its own `main` prints
("20 downloads in X.XXs") and prints X / D: median and max. Target: at most 1.15.

    $ .venv/bin/python -m course.bench.latency            # N=7, D = 0.5 and 1.0
    $ .venv/bin/python -m course.bench.latency -n 11 0.25 0.5 1 2
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

from course.paths import REPO_ROOT
from flagserver import start_server

SCRIPT = REPO_ROOT / "flags_asyncio.py"
PRINTED = re.compile(r"(\d+) downloads in (\d+\.\d+)s")
TARGET = 1.15


def run_once(base_url: str, cwd: str) -> float:
    """Run the script once; return the seconds it printed."""
    env = {**os.environ, "FLAGS_BASE_URL": base_url}
    cmd = [sys.executable, str(SCRIPT)]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    match = PRINTED.search(proc.stdout)
    if proc.returncode or not match or match[1] != "20":
        sys.exit(f"unexpected run (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return float(match[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("delays", nargs="*", type=float, default=[0.5, 1.0])
    parser.add_argument("-n", "--runs", type=int, default=7, help="runs per delay")
    args = parser.parse_args()
    server = start_server(port=0, quiet=True)
    try:
        with tempfile.TemporaryDirectory() as cwd:
            run_once(server.url, cwd)  # warm the OS file cache; not counted
            print(f"{'D':>5}  {'runs':>4}  {'median':>7}  {'max':>6}  ratios (printed time / D)")
            for delay in args.delays:
                times = [run_once(server.url_for(delay=delay), cwd) for _ in range(args.runs)]
                ratios = [t / delay for t in times]
                median, worst = statistics.median(ratios), max(ratios)
                mark = "ok" if worst <= TARGET else f"above {TARGET}"
                shown = " ".join(f"{r:.2f}" for r in ratios)
                print(f"{delay:5.2f}  {args.runs:4}  {median:7.3f}  {worst:6.3f}  {shown}  {mark}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
