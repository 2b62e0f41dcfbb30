"""countries_server.py's protocol with a thread per client (socketserver.ThreadingTCPServer).

The same answers (STATS too) and the same bad-input rules; `PRIME n` runs in the client's own
thread. Ctrl-C or SIGTERM stops it: a request under way is answered, then every client gets
"BYE" and every thread ends.
Sample run:

    $ python countries_threaded_server.py 8003
    Serving on 127.0.0.1:8003 (a thread per client); Ctrl-C stops
    ^CStopping: 1 client connected
    Stopped
"""

import argparse
import signal
import socket
import socketserver
import sys
import threading
from types import FrameType

from countries_server import (
    BYE,
    HOST,
    MAX_LINE,
    answer,
    parse_prime,
    prime_answer,
    raise_open_files_limit,
    stats,
)
from primes import is_prime


def reply(line: str, clients: int) -> str:
    if line.strip() == "STATS":
        return stats(clients)
    try:
        n = parse_prime(line)
    except ValueError as error:
        return f"ERROR {error}"
    return answer(line) if n is None else prime_answer(n, is_prime(n))


class Handler(socketserver.StreamRequestHandler):
    """One client, in a thread of its own: blocking reads and writes are fine here."""

    def handle(self) -> None:
        clients = self.server.clients
        clients.add(self.request)
        try:
            if self.server.stopping.is_set():  # came in while stop_clients() ran: stop here
                self.request.shutdown(socket.SHUT_RD)
            while line := self.rfile.readline(MAX_LINE + 1):  # the line and its newline
                if not line.endswith(b"\n"):
                    self.left_or_too_long(line)
                    return
                text = reply(line.decode("utf-8", "replace").rstrip("\r\n"), len(clients))
                self.wfile.write(f"{text}\n".encode())  # blocks while the client reads slowly
            if self.server.stopping.is_set():
                self.wfile.write(BYE.encode())
        except ConnectionError:  # reset by the client: nothing to answer
            pass
        finally:
            self.server.clients.discard(self.request)

    def left_or_too_long(self, line: bytes) -> None:
        if len(line) > MAX_LINE:
            self.wfile.write(f"ERROR line too long (max {MAX_LINE} bytes): closing\n".encode())
        else:
            print(f"A client left mid-line after {len(line)} bytes", flush=True)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    request_queue_size = 4096  # the listen backlog: many clients may connect at once

    def __init__(self, port: int) -> None:
        self.clients: set[socket.socket] = set()
        self.stopping = threading.Event()
        super().__init__((HOST, port), Handler)

    def stop_clients(self) -> None:
        """End every client's blocked readline: it reads end-of-file and says BYE."""
        self.stopping.set()
        for sock in list(self.clients):
            try:
                sock.shutdown(socket.SHUT_RD)
            except OSError:  # already gone
                pass


def on_signal(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the server as Ctrl-C does


def main() -> None:
    parser = argparse.ArgumentParser(description="The country line server, a thread per client.")
    parser.add_argument("port", type=int, nargs="?", default=8003, help="0: any free port")
    args = parser.parse_args()
    raise_open_files_limit()  # a file descriptor per client
    for signum in (signal.SIGINT, signal.SIGTERM):  # even where a shell ignored Ctrl-C
        signal.signal(signum, on_signal)
    try:
        server = Server(args.port)
    except OSError as error:
        sys.exit(f"Cannot serve on {HOST}:{args.port}: {error.strerror or error}")
    port = server.server_address[1]
    print(f"Serving on {HOST}:{port} (a thread per client); Ctrl-C stops", flush=True)
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            count = len(server.clients)
            print(f"Stopping: {count} client{'' if count == 1 else 's'} connected", flush=True)
        server.stop_clients()
    print("Stopped", flush=True)  # leaving `with` closed the socket and joined every thread


if __name__ == "__main__":
    main()
