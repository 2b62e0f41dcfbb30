"""The reference server: nginx serving the same GIF files, to check that the flag server is not
what limits the clients (skipped, with a note, where nginx is not installed).
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from course.bench.measure import Point, measure
from flagserver import FLAGS_DIR, free_port, stop_process


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
            stop_process(process)


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
