"""The flag server command: python -m flagserver [--port 8001] [--host 127.0.0.1] [--log]

Serves until Ctrl-C (SIGINT) or SIGTERM and prints its URL when it is ready:

    $ python -m flagserver
    Flag server ready: http://127.0.0.1:8001/flags  (Ctrl-C to stop)

With `--owner PID` (what start_server() passes) it serves the processes that use it: that
one, and every process that registers later with POST /owners/{pid}; it stops by itself
within a second once they have all exited, even when they were killed and whatever
children they forked.

Limits that keep one bad client from taking the server down: a request head (request line
and headers) of at most MAX_HEAD_BYTES and MAX_HEADERS fields, else 431; a connection must
send its request head within --header-timeout seconds (default 10), else it is closed; idle
keep-alive connections between requests stay open 75 s (see below).
"""

import argparse
import asyncio
import errno
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable

import psutil
import uvicorn

from flagserver.app import create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
READY_PREFIX = "Flag server ready: "
MAX_HEAD_BYTES = 64 * 1024
MAX_HEADERS = 100
HEADER_TIMEOUT = 10.0
ACCEPT_LOG_INTERVAL = 5.0  # at most one "cannot accept" line per interval
OWNER_POLL_INTERVAL = 0.2
OUT_OF_RESOURCES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}

logger = logging.getLogger("uvicorn.error")


class ReadyServer(uvicorn.Server):
    """A uvicorn server that prints one 'ready' line once it accepts connections."""

    def __init__(self, config: uvicorn.Config, stopping=None) -> None:
        super().__init__(config)
        self.stopping = stopping  # the app's: set first thing on shutdown

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        asyncio.get_running_loop().set_exception_handler(AcceptErrorLog(self))
        await super().startup(sockets=sockets)
        if not self.should_exit:
            host, port = sockets[0].getsockname()[:2] if sockets else ("?", 0)
            print(f"{READY_PREFIX}http://{host}:{port}/flags  (Ctrl-C to stop)", flush=True)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.stopping is not None:  # end pending /delay, /trickle and /hang pauses now
            self.stopping.set()
        await super().shutdown(sockets=sockets)


class AcceptErrorLog:
    """The event loop's exception handler: one line per interval when accept() fails.

    Out of file descriptors, asyncio logs a traceback for every failed accept(), thousands
    a second; we log one line every ACCEPT_LOG_INTERVAL seconds with the count.
    """

    def __init__(self, server: uvicorn.Server) -> None:
        self.server = server
        self.last = -ACCEPT_LOG_INTERVAL
        self.missed = 0

    def __call__(self, loop, context: dict) -> None:
        error = context.get("exception")
        if not (isinstance(error, OSError) and error.errno in OUT_OF_RESOURCES):
            loop.default_exception_handler(context)
            return
        self.missed += 1
        now = time.monotonic()
        if now - self.last < ACCEPT_LOG_INTERVAL:
            return
        logger.warning(
            "cannot accept connections: %s (%d open; %d failed accept() since the last line)",
            error.strerror,
            len(self.server.server_state.connections),
            self.missed,
        )
        self.last, self.missed = now, 0


class HeadTooLarge(Exception):
    """Raised from a parser callback: the request has too many header fields."""


def guarded_protocol(header_timeout: float) -> type | None:
    """uvicorn's httptools protocol with bounds on the request head (None: no httptools).

    uvicorn's own protocol accepts any head size (a 16 MiB header is parsed, an endless
    one takes a core and hundreds of MiB) and waits forever for a first request.
    """
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # no httptools: main() uses h11 and its size limit
        return None

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.head_timer = None
            self.in_head = True  # reading a request line and headers (or waiting for one)
            self.head_bytes = 0
            self.header_count = 0
            self.refusal: tuple[int, str] | None = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self.start_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self.stop_head_timer()
            super().connection_lost(exc)

        def start_head_timer(self) -> None:
            if self.head_timer is None:
                self.head_timer = self.loop.call_later(header_timeout, self.head_timed_out)

        def stop_head_timer(self) -> None:
            if self.head_timer is not None:
                self.head_timer.cancel()
                self.head_timer = None

        def head_timed_out(self) -> None:
            self.head_timer = None
            if self.head_bytes:  # a request began and stalled
                self.refuse(408, f"request head not complete within {header_timeout:g} s")
            elif not self.transport.is_closing():  # a connection that never sent a request
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            if self.transport.is_closing():
                return
            if self.in_head:
                self.head_bytes += len(data)
                if self.head_bytes > MAX_HEAD_BYTES:
                    self.refuse(431, f"request head over {MAX_HEAD_BYTES // 1024} KiB")
                    return
            super().data_received(data)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.header_count = 0
            self.start_head_timer()  # the next request on a keep-alive connection

        def on_header(self, name: bytes, value: bytes) -> None:
            self.header_count += 1
            if self.header_count > MAX_HEADERS:
                self.refusal = (431, f"more than {MAX_HEADERS} header fields")
                raise HeadTooLarge  # httptools stops parsing; uvicorn calls send_400_response
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self.stop_head_timer()
            self.in_head, self.head_bytes = False, 0
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self.in_head = True
            super().on_message_complete()

        def send_400_response(self, msg: str) -> None:
            if self.refusal is None:
                super().send_400_response(msg)
            else:
                self.refuse(*self.refusal)

        def refuse(self, status: int, reason: str) -> None:
            """Answer with a one-line reason and close the connection."""
            self.stop_head_timer()
            if self.transport.is_closing():
                return
            body = f"{reason}\n".encode()
            head = (
                f"HTTP/1.1 {status} {STATUS_TEXT[status]}\r\n"
                "content-type: text/plain; charset=utf-8\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
            )
            self.transport.write(head.encode("ascii") + body)
            self.transport.close()

    return GuardedHttpToolsProtocol


STATUS_TEXT = {408: "Request Timeout", 431: "Request Header Fields Too Large"}


class Owners:
    """The processes a server serves; a thread stops the server once none is alive.

    A pid is remembered with its process's start time, so a new process that happens to
    get the pid of a dead owner is not taken for it.
    """

    def __init__(
        self,
        pids: Iterable[int],
        on_empty: Callable[[], None],
        on_first_gone: Callable[[], None] = lambda: None,
    ) -> None:
        self.pids = list(pids)
        self.watched = bool(self.pids)  # without --owner: serve until stopped
        self.on_empty = on_empty
        self.on_first_gone = on_first_gone
        self.lock = threading.Lock()
        self.started: dict[int, float] = {}
        for pid in self.pids:
            self.add(pid)
        # the first owner started us and reads our output: watched even once unregistered
        self.first = (self.pids[0], self.started.get(self.pids[0])) if self.pids else None

    def add(self, pid: int) -> bool:
        """Serve process `pid` too; False if there is no such process."""
        started = process_start_time(pid)
        if started is None:
            return False
        with self.lock:
            self.started[pid] = started
        return True

    def remove(self, pid: int) -> None:
        with self.lock:
            self.started.pop(pid, None)

    def made_by(self, pid: int, client: tuple[str, int]) -> bool:
        """Is `client` (the address and port a request came from) a socket of process `pid`?"""
        try:
            sockets = psutil.Process(pid).net_connections(kind="tcp")
        except (psutil.NoSuchProcess, psutil.AccessDenied):  # gone, or someone else's
            return False
        return any(tuple(s.laddr[:2]) == tuple(client) for s in sockets if s.laddr)

    def __len__(self) -> int:
        with self.lock:
            return len(self.started)

    def check(self) -> int:
        """Forget the owners that are gone; the number alive."""
        with self.lock:
            owners = dict(self.started)
        for pid, started in owners.items():
            if process_start_time(pid) != started:
                self.remove(pid)
        if self.first is not None and process_start_time(self.first[0]) != self.first[1]:
            self.first = None
            self.on_first_gone()
        return len(self)

    def watch(self) -> None:
        """Start the thread that calls on_empty() once no owner is alive."""

        def run() -> None:
            while self.check():
                time.sleep(OWNER_POLL_INTERVAL)
            self.on_empty()

        if self.watched:
            threading.Thread(target=run, name="flagserver-owners", daemon=True).start()


def process_start_time(pid: int) -> float | None:
    """When process `pid` started, or None if it does not run (a zombie has exited)."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return process.create_time()
    except psutil.NoSuchProcess:
        return None
    except psutil.AccessDenied:  # someone else's process: it runs, its start time is hidden
        return 0.0


def silence_output() -> None:
    """Our stdout/stderr may be a pipe nobody reads any more: write to the null device."""
    sys.stdout.flush()
    null = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(null, fd)
    os.close(null)


def raise_open_files_limit() -> None:
    """Raise the soft limit of open files to the hard one: each connection is a file."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to raise
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # macOS reports an unlimited hard limit but refuses more than kern.maxfilesperproc
    wanted = [hard] if hard != resource.RLIM_INFINITY else [1 << 20, 65536, 10240]
    for limit in wanted:
        if soft != resource.RLIM_INFINITY and soft >= limit:
            return
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
            return
        except (ValueError, OSError):
            continue


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m flagserver", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to bind (default %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port (default %(default)s; 0 = any free)"
    )
    parser.add_argument("--log", action="store_true", help="print one line per request")
    parser.add_argument(
        "--exit-with-stdin",
        action="store_true",
        help="stop when standard input closes (the parent's pipe: no orphan server)",
    )
    parser.add_argument(
        "--owner",
        type=int,
        action="append",
        default=[],
        metavar="PID",
        help="stop once this process and every one registered at /owners/{pid} have exited "
        "(used by start_server; may be repeated)",
    )
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=HEADER_TIMEOUT,
        metavar="SECONDS",
        help="close a connection that sends no complete request head within this time "
        "(default %(default)g)",
    )
    return parser.parse_args(argv)


def bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves, so a taken port gets a clear message."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are
    # TCP; with proto=0 every keep-alive response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if sys.platform != "win32":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # in the try: two servers may both bind, the second cannot listen
    except OSError as error:
        sock.close()
        sys.exit(
            f"flagserver: cannot listen on {host}:{port}: {error.strerror}. "
            f"Is another server running there? Try another port: python -m flagserver --port "
            f"{port + 1 if port else DEFAULT_PORT}"
        )
    return sock


def stop_when_stdin_closes(server: uvicorn.Server) -> None:
    """The parent holds our stdin; when it dies, the pipe closes and we stop too."""

    def watch() -> None:
        sys.stdin.buffer.read()
        server.should_exit = True

    threading.Thread(target=watch, daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    # SIGTERM stops us like Ctrl-C: uvicorn shuts down gracefully, then re-raises the signal it
    # caught; with this handler that is a KeyboardInterrupt, so we print "stopped", exit 0.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        serve(parse_args(argv))
    except KeyboardInterrupt:
        pass
    try:
        print("Flag server stopped.", flush=True)
    except OSError:  # the pipe to whoever started us is closed
        silence_output()


def serve(args: argparse.Namespace) -> None:
    raise_open_files_limit()
    sock = bind(args.host, args.port)
    server: ReadyServer | None = None

    def stop() -> None:
        if server is not None:
            server.should_exit = True

    owners = Owners(args.owner, on_empty=stop, on_first_gone=silence_output)
    app = create_app(owners=owners)
    protocol = guarded_protocol(args.header_timeout)
    config = uvicorn.Config(
        app,
        http=protocol or "h11",
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,  # the head limit where h11 is used
        log_level="info" if args.log else "warning",
        access_log=args.log,
        timeout_graceful_shutdown=1,
        # uvicorn closes idle keep-alive connections after 5 s by default; a client pool that
        # is slow to reuse them (httpx at 100+ connections on a busy machine) then races the
        # close and gets "Server disconnected". nginx waits 75 s; so do we.
        timeout_keep_alive=75,
    )
    server = ReadyServer(config, stopping=app.state.stopping)
    if args.exit_with_stdin:
        stop_when_stdin_closes(server)
    owners.watch()
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
