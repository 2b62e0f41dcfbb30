"""Many idle clients on one server, counted up step by step: memory, threads, latency.

For each number N it opens idle connections until N are open (each asks once, to be sure it
is served), then one active client measures its latency, and the server's STATS line says its
threads and memory (RSS). Works with countries_server.py and countries_threaded_server.py.
Sample run (with `python countries_server.py 8002` running):

    $ python many_clients.py 8002 0 1000 5000
    0 idle clients: 1 thread, 33.1 MiB; latency median 0.09 ms, max 0.35 ms
    1000 idle clients: 1 thread, 45.0 MiB; latency median 0.10 ms, max 0.62 ms
    5000 idle clients: 1 thread, 92.4 MiB; latency median 0.11 ms, max 0.80 ms
"""

import asyncio
import re
import statistics
import sys
import time

from countries_client import HOST, ask
from countries_server import raise_open_files_limit

PINGS = 50  # requests the active client times at each step
TIMEOUT = 60  # seconds for the whole run
MAX_CLIENTS = 20_000
SPARE_FILES = 50  # file descriptors kept for everything else
STATS_RE = re.compile(r"STATS clients=(\d+) threads=(\d+) rss_kib=(\d+)")

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def connect_idle(port: int) -> Connection:
    """A client that asks once, then stays connected and silent."""
    reader, writer = await asyncio.open_connection(HOST, port)
    await ask(reader, writer, "cn")
    return reader, writer


async def latency(port: int) -> tuple[list[float], str]:
    """Seconds for each of PINGS requests, one after another, then the server's STATS line."""
    reader, writer = await asyncio.open_connection(HOST, port)
    times = []
    for _ in range(PINGS):
        t0 = time.perf_counter()
        await ask(reader, writer, "br")
        times.append(time.perf_counter() - t0)
    stats = await ask(reader, writer, "STATS")
    writer.close()
    await writer.wait_closed()
    return times, stats


async def step(port: int, idle: list[Connection], count: int) -> str:
    """Grow `idle` to `count` connections, then measure: one line of results."""
    opened = await asyncio.gather(*(connect_idle(port) for _ in range(count - len(idle))))
    idle.extend(opened)
    times, stats = await latency(port)
    clients, threads, rss = (int(x) for x in STATS_RE.fullmatch(stats).groups())
    median, worst = statistics.median(times) * 1000, max(times) * 1000
    return (
        f"{count} idle clients: {threads} thread{'' if threads == 1 else 's'}, "
        f"{rss / 1024:.1f} MiB; latency median {median:.2f} ms, max {worst:.2f} ms"
    )


async def supervisor(port: int, counts: list[int]) -> None:
    allowed = raise_open_files_limit() - SPARE_FILES
    idle: list[Connection] = []
    try:
        async with asyncio.timeout(TIMEOUT):  # bounded: it stops by itself
            for count in counts:
                if count > allowed:
                    print(f"{count} idle clients: skipped, the open-files limit allows {allowed}")
                    continue
                print(await step(port, idle, count), flush=True)
    finally:
        for _, writer in idle:
            writer.close()


def main() -> None:
    args = sys.argv[1:]
    if len(args) < 2 or not all(arg.isdigit() for arg in args):
        sys.exit("usage: many_clients.py PORT N [N ...]   (N: idle clients, in growing order)")
    port, counts = int(args[0]), [int(arg) for arg in args[1:]]
    if counts != sorted(counts) or counts[-1] > MAX_CLIENTS:
        sys.exit(f"the numbers of clients must grow and stay under {MAX_CLIENTS}")
    try:
        asyncio.run(supervisor(port, counts))
    except (OSError, TimeoutError) as error:
        sys.exit(f"Stopped: {type(error).__name__} {error}".strip())
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
