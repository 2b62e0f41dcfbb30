"""The flag server command: python -m flagserver [--port 8001] [--host 127.0.0.1] [--log]

Serves until Ctrl-C (SIGINT) or SIGTERM and prints its URL when it is ready:

    $ python -m flagserver
    Flag server ready: http://127.0.0.1:8001/flags  (Ctrl-C to stop)
"""

import argparse
import socket
import sys
import threading

import uvicorn

from flagserver.app import create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
READY_PREFIX = "Flag server ready: "


class ReadyServer(uvicorn.Server):
    """A uvicorn server that prints one 'ready' line once it accepts connections."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            host, port = sockets[0].getsockname()[:2] if sockets else ("?", 0)
            print(f"{READY_PREFIX}http://{host}:{port}/flags  (Ctrl-C to stop)", flush=True)


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
        help="stop when standard input closes (used by start_server: no orphan servers)",
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
    except OSError as error:
        sock.close()
        sys.exit(
            f"flagserver: cannot listen on {host}:{port}: {error.strerror}. "
            f"Is another server running there? Try another port: python -m flagserver --port "
            f"{port + 1 if port else DEFAULT_PORT}"
        )
    sock.listen(2048)
    return sock


def stop_when_stdin_closes(server: uvicorn.Server) -> None:
    """The parent holds our stdin; when it dies, the pipe closes and we stop too."""

    def watch() -> None:
        sys.stdin.buffer.read()
        server.should_exit = True

    threading.Thread(target=watch, daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sock = bind(args.host, args.port)
    config = uvicorn.Config(
        create_app(),
        log_level="info" if args.log else "warning",
        access_log=args.log,
        timeout_graceful_shutdown=1,
        # uvicorn closes idle keep-alive connections after 5 s by default; a client pool that
        # is slow to reuse them (httpx at 100+ connections on a busy machine) then races the
        # close and gets "Server disconnected". nginx waits 75 s; so do we.
        timeout_keep_alive=75,
    )
    server = ReadyServer(config)
    if args.exit_with_stdin:
        stop_when_stdin_closes(server)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    print("Flag server stopped.", flush=True)


if __name__ == "__main__":
    main()
