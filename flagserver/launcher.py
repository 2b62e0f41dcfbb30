"""Start the flag server from a notebook or a test in one line, and never leave it behind.

    >>> from flagserver import start_server
    >>> server = start_server()          # port 8001; reuses a flag server already there
    Flag server: http://127.0.0.1:8001/flags (started here, stops with this kernel)
    >>> server.url_for(delay=0.2)
    'http://127.0.0.1:8001/delay/0.2/flags'

The server runs in a child process whose standard input we hold: when this process ends,
even when it is killed, the pipe closes and the server stops (see `--exit-with-stdin`).
"""

import atexit
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from flagserver.app import HEALTH_TEXT
from flagserver.cli import DEFAULT_HOST, DEFAULT_PORT, READY_PREFIX


class FlagServerError(RuntimeError):
    """The server could not be started; the message says why and what to do."""


@dataclass
class FlagServer:
    """A running flag server: ours (process is set) or one we found already running."""

    host: str
    port: int
    process: subprocess.Popen | None = None
    output: deque = field(default_factory=lambda: deque(maxlen=50), repr=False)

    @property
    def url(self) -> str:
        """Base URL of the flags: f'{server.url}/cn/cn.gif' is China's flag."""
        return self.url_for()

    def url_for(self, delay: float = 0, errors: float = 0) -> str:
        """Base URL of a scenario: latency of `delay` s and/or a share `errors` of codes failing."""
        options = ""
        if delay:
            options += f"/delay/{delay:g}"
        if errors:
            options += f"/errors/{errors:g}"
        return f"http://{self.host}:{self.port}{options}/flags"

    @property
    def started_here(self) -> bool:
        return self.process is not None

    def stop(self) -> None:
        """Stop the server if we started it (a reused server belongs to someone else)."""
        if self.process is None or self.process.poll() is not None:
            return
        stop_process(self.process)
        _RUNNING.pop(self.port, None)

    def __str__(self) -> str:
        how = "started here, stops with this kernel" if self.started_here else "already running"
        return f"Flag server: {self.url} ({how})"


_RUNNING: dict[int, FlagServer] = {}


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port nothing listens on right now (the OS picks it; it may be taken again later)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen, timeout: float = 5.0) -> None:
    """Stop a child process, with every process of its group if it leads one of its own.

    SIGTERM first, so it can clean up; SIGKILL if it is still running after `timeout` seconds.
    A process that has already exited is only reaped. The one helper that stops the project's
    child processes: the flag server, scripts run side by side, nginx, JupyterLab in tests.
    """
    if process.poll() is None:
        _send(process, kill=False)
        try:
            process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            _send(process, kill=True)
    process.wait()


def _send(process: subprocess.Popen, kill: bool) -> None:
    """SIGTERM (or SIGKILL) to the process's group where it leads one, else to it alone."""
    try:
        if os.name == "posix" and os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        elif kill:
            process.kill()
        else:
            process.terminate()
    except ProcessLookupError:  # it exited meanwhile
        pass


def probe(host: str, port: int, timeout: float = 1.0) -> str:
    """'free' (nothing listens), 'flagserver' (a healthy flag server) or 'other'."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", "/health")
        response = connection.getresponse()
        body = response.read(100).decode("utf-8", "replace").strip()
    except ConnectionRefusedError:
        return "free"
    except (OSError, http.client.HTTPException):
        return "other"
    finally:
        connection.close()
    return "flagserver" if response.status == 200 and body == HEALTH_TEXT else "other"


def _spawn(host: str, port: int) -> subprocess.Popen:
    command = [sys.executable, "-u", "-m", "flagserver", "--host", host, "--port", str(port)]
    return subprocess.Popen(
        [*command, "--exit-with-stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _read_output(server: FlagServer, ready: threading.Event) -> None:
    """Collect the child's output (so its pipe never fills) and notice the 'ready' line."""
    for line in server.process.stdout:
        server.output.append(line.rstrip())
        if line.startswith(READY_PREFIX):
            server.port = int(line.split()[3].rsplit(":", 1)[1].split("/")[0])
            ready.set()
    ready.set()  # the process ended: wake the waiter, it will see poll() is not None


def _start(host: str, port: int, timeout: float) -> FlagServer:
    server = FlagServer(host, port, _spawn(host, port))
    ready = threading.Event()
    threading.Thread(target=_read_output, args=(server, ready), daemon=True).start()
    if not ready.wait(timeout) or server.process.poll() is not None:
        server.stop()
        details = "\n".join(server.output) or "(no output)"
        raise FlagServerError(f"the flag server did not start on port {port}:\n{details}")
    _RUNNING[server.port] = server
    return server


def start_server(
    port: int | None = None, host: str = DEFAULT_HOST, timeout: float = 10.0, quiet: bool = False
) -> FlagServer:
    """Start the flag server in a child process, or reuse a healthy one already on `port`.

    The port defaults to $FLAGS_SERVER_PORT or 8001; port=0 picks a free port. Raises
    FlagServerError with a clear message when the port is taken by another program or the
    server does not come up within `timeout` seconds.
    """
    if port is None:
        port = int(os.environ.get("FLAGS_SERVER_PORT", DEFAULT_PORT))
    known = _RUNNING.get(port)
    if known and known.process.poll() is None:
        server = known
    else:
        state = probe(host, port) if port else "free"
        if state == "other":
            raise FlagServerError(
                f"port {port} on {host} is used by another program (not a flag server). "
                f"Choose another port, e.g. start_server(port={port + 1})"
            )
        server = FlagServer(host, port) if state == "flagserver" else _start(host, port, timeout)
    if not quiet:
        print(server)
    return server


def wait_until_stopped(host: str, port: int, timeout: float = 5.0) -> bool:
    """True once nothing answers on the port (used by tests and the start-here notebook)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe(host, port, timeout=0.5) == "free":
            return True
        time.sleep(0.05)
    return False


@atexit.register
def _stop_all() -> None:
    for server in list(_RUNNING.values()):
        server.stop()
