"""A line server on asyncio streams: send a country code, get the country's name and flag size.

One request per line, one answer per line. `PRIME n` checks a number (CPU work: see --cpu);
`STATS` tells how many clients are connected, the server's threads and its memory (RSS).
Ctrl-C or SIGTERM stops it gracefully: a request under way is answered, then every client
gets "BYE" and the connection closes. Sample run (and `python countries_client.py 8002 cn br
zz` in another terminal):

    $ python countries_server.py 8002
    Serving on 127.0.0.1:8002 (CPU work: process); Ctrl-C stops
    ^CStopping: 1 client connected
    Stopped
"""

import argparse
import asyncio
import functools
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from pathlib import Path

from flagserver import load_countries, load_flags
from primes import is_prime

HOST = "127.0.0.1"
MAX_LINE = 100  # bytes in a request line, newline excluded: a longer one closes the connection
MAX_NUMBER = 10**15  # PRIME n: n up to this (about two seconds of CPU at most)
GRACE = 5.0  # seconds the requests under way get to finish when the server stops
COUNTRIES = load_countries()  # {'cn': 'China', ...}
SIZES = {cc: len(gif) for cc, gif in load_flags().items()}  # {'cn': 657, ...}
BYE = "BYE server is stopping\n"
CPU_MODES = ("inline", "thread", "process")

Reply = Callable[[str], Awaitable[str]]


def answer(line: str) -> str:
    """'cn' -> 'cn China 657': the code, the name, the size of its flag in bytes."""
    cc = line.strip().lower()
    if cc in COUNTRIES and cc in SIZES:
        return f"{cc} {COUNTRIES[cc]} {SIZES[cc]}"
    return f"ERROR unknown code {cc[:20]!r}"


def parse_prime(line: str) -> int | None:
    """'PRIME 97' -> 97; None for any other line."""
    command, _, number = line.strip().partition(" ")
    if command.upper() != "PRIME":
        return None
    if not (number.isascii() and number.isdigit()) or not 1 < int(number) <= MAX_NUMBER:
        raise ValueError(f"PRIME needs a whole number from 2 to {MAX_NUMBER}")
    return int(number)


def prime_answer(n: int, prime: bool) -> str:
    return f"{n} is {'prime' if prime else 'not prime'}"


def rss_kib() -> int:
    """This process's memory (RSS) now, in KiB: Linux's /proc; elsewhere the peak so far."""
    with suppress(OSError):
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    try:
        import resource  # POSIX only
    except ImportError:
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS counts bytes


def stats(clients: int) -> str:
    """'STATS clients=3 threads=1 rss_kib=35120'."""
    return f"STATS clients={clients} threads={threading.active_count()} rss_kib={rss_kib()}"


def raise_open_files_limit() -> int:
    """Raise this process's soft limit of open files to its hard limit; return the limit."""
    try:
        import resource  # POSIX only: Windows has no such limit to raise
    except ImportError:
        return 1 << 20
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 16)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def check_prime(n: int, cpu: str, pool: ProcessPoolExecutor | None) -> bool:
    """The heavy part. 'inline' blocks the event loop: every other client waits."""
    if cpu == "inline":
        return is_prime(n)
    if cpu == "thread":
        return await asyncio.to_thread(is_prime, n)
    return await asyncio.get_running_loop().run_in_executor(pool, is_prime, n)


async def reply(line: str, cpu: str = "inline", pool: ProcessPoolExecutor | None = None) -> str:
    """One request line -> one answer line (without the newline)."""
    try:
        n = parse_prime(line)
    except ValueError as error:
        return f"ERROR {error}"
    if n is None:
        return answer(line)
    return prime_answer(n, await check_prime(n, cpu, pool))


class LineTooLong(Exception):
    """A request line longer than MAX_LINE bytes."""


class LeftMidLine(Exception):
    """The client closed the connection in the middle of a line."""


async def read_request(reader: asyncio.StreamReader) -> str | None:
    """The next line without its newline; None when the client has closed the connection."""
    try:
        data = await reader.readline()  # at most MAX_LINE bytes: the reader's limit
    except ValueError:  # the limit: no newline within MAX_LINE bytes
        raise LineTooLong from None
    if not data:
        return None
    if not data.endswith(b"\n"):
        raise LeftMidLine(data)
    return data.decode("utf-8", "replace").rstrip("\r\n")


class LineServer:
    """Serves every client in a task of its own. stop(): the idle clients get BYE at once,
    the busy ones once their answer is sent (a client still busy after GRACE s is cut off)."""

    def __init__(self, reply: Reply = reply) -> None:
        self.reply = reply
        self.clients: set[asyncio.Task] = set()
        self.idle: set[asyncio.StreamReader] = set()  # waiting for their next request line
        self.stopping = False

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self.clients.add(task)
        try:
            if await self.serve_client(reader, writer):
                writer.write(BYE.encode())
        except LineTooLong:
            writer.write(f"ERROR line too long (max {MAX_LINE} bytes): closing\n".encode())
        except LeftMidLine as error:
            print(f"A client left mid-line after {len(error.args[0])} bytes", flush=True)
        except ConnectionError:  # reset by the client: nothing to answer
            pass
        finally:
            self.clients.discard(task)
            writer.close()  # what was written is still sent before the connection closes
            with suppress(ConnectionError):
                await writer.wait_closed()

    async def serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer line after line; True when the server stops, False when the client left."""
        while not self.stopping:
            self.idle.add(reader)
            try:
                line = await read_request(reader)
            finally:
                self.idle.discard(reader)
            if line is None:
                return self.stopping  # the client closed, or stop() ended the wait
            text = stats(len(self.clients)) if line.strip() == "STATS" else await self.reply(line)
            writer.write(f"{text}\n".encode())
            await writer.drain()  # backpressure: wait while the client reads too slowly
        return True

    async def stop(self) -> None:
        self.stopping = True
        for reader in list(self.idle):
            reader.feed_eof()  # its readline() returns at once, as if the client had closed
        if self.clients:
            await asyncio.wait(list(self.clients), timeout=GRACE)
        for task in list(self.clients):  # still busy after GRACE seconds: cut off
            task.cancel()
        await asyncio.gather(*self.clients, return_exceptions=True)


def make_pool() -> ProcessPoolExecutor:
    """Worker processes that ignore Ctrl-C: the server stops them itself, quietly."""
    return ProcessPoolExecutor(
        2, initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN)
    )


async def serve(port: int, cpu: str) -> None:
    pool = make_pool() if cpu == "process" else None
    line_server = LineServer(functools.partial(reply, cpu=cpu, pool=pool))
    server = await asyncio.start_server(
        line_server.handle, HOST, port, limit=MAX_LINE, backlog=4096
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):  # Windows: Ctrl-C still stops it, less gently
            loop.add_signal_handler(signum, stop.set)
    port = server.sockets[0].getsockname()[1]
    print(f"Serving on {HOST}:{port} (CPU work: {cpu}); Ctrl-C stops", flush=True)
    try:
        async with server:
            await stop.wait()
            server.close()  # accept no new client
            count = len(line_server.clients)
            print(f"Stopping: {count} client{'' if count == 1 else 's'} connected", flush=True)
            await line_server.stop()
            await server.wait_closed()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    print("Stopped", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="The country line server (asyncio streams).")
    parser.add_argument("port", type=int, nargs="?", default=8002, help="0: any free port")
    parser.add_argument("--cpu", choices=CPU_MODES, default="process", help="how PRIME runs")
    args = parser.parse_args()
    raise_open_files_limit()  # a file descriptor per client
    try:
        asyncio.run(serve(args.port, args.cpu))
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # another Ctrl-C now: nothing left to stop
    except OSError as error:  # the port is taken, and the like
        sys.exit(f"Cannot serve on {HOST}:{args.port}: {error.strerror or error}")
    except KeyboardInterrupt:  # Windows only: there, Ctrl-C is not a signal handler's
        print("Stopped", flush=True)


if __name__ == "__main__":
    main()
