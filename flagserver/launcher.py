"""Start the flag server from a notebook or a test in one line, and never leave it behind.

    >>> from flagserver import start_server
    >>> server = start_server()          # port 8001; reuses a flag server already there
    Flag server: http://127.0.0.1:8001/flags (started here, stops with this kernel)
    >>> server.url_for(delay=0.2)
    'http://127.0.0.1:8001/delay/0.2/flags'

The server runs in a child process of its own session (Kernel > Interrupt, a SIGINT to the
kernel's process group, does not reach it). It serves the processes that started or reused
it through start_server(): it watches their pids (`--owner`, POST /owners/{pid}) and stops
by itself within a second once they have all exited, even when they were killed and
whatever children they forked. `server.stop()` (and the end of this process) stops it,
unless another registered process still uses it.
"""

import atexit
import http.client
import json
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


class PortTaken(Exception):
    """Our server could not listen: another one got the port first."""


@dataclass
class FlagServer:
    """A running flag server: ours (process is set) or one we found already running."""

    host: str
    port: int
    process: subprocess.Popen | None = None
    output: deque = field(default_factory=lambda: deque(maxlen=50), repr=False)
    registered: bool = field(default=False, repr=False)  # our pid is in its owners
    found_pid: int | None = field(default=None, repr=False)  # a reused server's, as it said

    @property
    def pid(self) -> int | None:
        """The server's process id, ours or a reused one's (None if it did not say)."""
        return self.process.pid if self.process is not None else self.found_pid

    @property
    def url(self) -> str:
        """Base URL of the flags: f'{server.url}/cn/cn.gif' is China's flag."""
        return self.url_for()

    def url_for(
        self,
        delay: float = 0,
        errors: float = 0,
        trickle: float = 0,
        html: bool = False,
        hang: bool = False,
    ) -> str:
        """Base URL of a scenario: latency of `delay` s, a share `errors` of codes failing,
        bodies trickling with `trickle` s pauses, an HTML page instead of flags, no answer."""
        options = ""
        if delay:
            options += f"/delay/{delay:g}"
        if errors:
            options += f"/errors/{errors:g}"
        if trickle:
            options += f"/trickle/{trickle:g}"
        if html:
            options += "/html"
        if hang:
            options += "/hang"
        return f"http://{self.host}:{self.port}{options}/flags"

    @property
    def started_here(self) -> bool:
        return self.process is not None

    def running(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return probe(self.host, self.port) == "flagserver"

    def stop(self) -> None:
        """Stop using the server; it stops unless another process registered with it uses it.

        Called for every server at the end of this process too.
        """
        if _RUNNING.get(self.port) is self:
            del _RUNNING[self.port]
        if self.process is None:
            if self.registered:
                self.registered = False
                _owners_request(self.host, self.port, "DELETE")  # the last one out: it stops
            return
        if self.process.poll() is not None:
            return
        answer = _owners_request(self.host, self.port, "DELETE")
        if answer and answer.get("owners"):
            return  # other processes use it: it stops by itself once they have all exited
        stop_process(self.process)

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


def _owners_request(host: str, port: int, method: str, timeout: float = 2.0) -> dict | None:
    """POST (register) or DELETE (unregister) this process at the server's /owners/{pid}.

    The server's answer ({'owners': 2, 'watched': True}); {} from a server without owners;
    None when it does not answer or is stopping.
    """
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(method, f"/owners/{os.getpid()}")
        response = connection.getresponse()
        body = response.read(1000)
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()
    if response.status == 404:
        return {}
    if response.status != 200:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _spawn(host: str, port: int) -> subprocess.Popen:
    command = [sys.executable, "-u", "-m", "flagserver", "--host", host, "--port", str(port)]
    if os.name == "posix":  # a session of its own: Kernel > Interrupt's SIGINT stays out
        detached: dict = {"start_new_session": True}
    else:
        detached = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return subprocess.Popen(
        [*command, "--owner", str(os.getpid())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **detached,
    )


def _read_output(server: FlagServer, ready: threading.Event, started: list[bool]) -> None:
    """Collect the child's output (so its pipe never fills) and notice the 'ready' line."""
    for line in server.process.stdout:
        server.output.append(line.rstrip())
        if line.startswith(READY_PREFIX):
            server.port = int(line.split()[3].rsplit(":", 1)[1].split("/")[0])
            started.append(True)
            ready.set()
    ready.set()  # the output ended before any 'ready' line: the server did not start


def _start(host: str, port: int, timeout: float) -> FlagServer:
    server = FlagServer(host, port, _spawn(host, port))
    ready, started = threading.Event(), []
    reader = threading.Thread(target=_read_output, args=(server, ready, started), daemon=True)
    reader.start()
    if not ready.wait(timeout) or not started:
        stop_process(server.process)
        reader.join(timeout=1)  # its last lines
        details = "\n".join(server.output) or "(no output)"
        if port and "cannot listen" in details:
            raise PortTaken(details)
        raise FlagServerError(f"the flag server did not start on port {port}:\n{details}")
    _RUNNING[server.port] = server
    return server


def _reuse(host: str, port: int) -> FlagServer | None:
    """A handle on the flag server found on the port, registered as one of its users."""
    answer = _owners_request(host, port, "POST")
    if answer is None:  # stopping (its last user just left) or gone
        return None
    watched, pid = bool(answer.get("watched")), answer.get("pid")
    server = FlagServer(host, port, registered=watched, found_pid=pid)
    _RUNNING[port] = server
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
    server = known if known and known.running() else _find_or_start(host, port, timeout)
    if not quiet:
        print(server)
    return server


def _find_or_start(host: str, port: int, timeout: float) -> FlagServer:
    """Reuse the flag server on the port, or start one; two processes may race for it."""
    deadline = time.monotonic() + timeout
    lost_race = False
    while True:
        state = probe(host, port) if port else "free"
        if state == "flagserver":
            server = _reuse(host, port)
            if server is not None:
                return server
            wait_until_stopped(host, port, timeout=max(0.1, deadline - time.monotonic()))
        elif state == "free":
            try:
                return _start(host, port, max(0.1, deadline - time.monotonic()))
            except PortTaken:  # another process started one at the same moment: reuse it
                lost_race = True
        elif not lost_race:
            raise FlagServerError(
                f"port {port} on {host} is used by another program (not a flag server). "
                f"Choose another port, e.g. start_server(port={port + 1})"
            )
        if time.monotonic() >= deadline:
            raise FlagServerError(
                f"no healthy flag server on port {port} within {timeout:g} s "
                "(another process started one there; is it stuck?)"
            )
        time.sleep(0.05)


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
