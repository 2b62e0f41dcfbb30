"""A Dask cluster on this machine for notebook 09 and the checks: loopback only, quiet, cleaned up.

    >>> from course import start_cluster
    >>> cluster = start_cluster()          # 2 worker processes, 1 thread each, on 127.0.0.1
    >>> client = cluster.client            # a dask.distributed.Client
    >>> cluster.stop()                     # also done at the kernel's exit (atexit)

What it takes care of, so that a notebook cell stays one line:

- everything listens on 127.0.0.1 only (scheduler, workers, nannies, the dashboard on a free
  port): nobody else on the network can send the cluster work;
- Kernel > Interrupt signals the kernel's whole process group: the worker processes would get
  the SIGINT too and close. They are started while SIGINT is ignored (an ignored signal stays
  ignored in a child, and Python keeps it so), and each worker, also one the nanny starts later
  in place of a dead one, ignores it again as it starts (course/cluster_worker.py, loaded with
  Dask's `preload`), so an interrupted cell leaves the cluster alive;
- distributed logs every worker start, stop and restart, and every failed task:
  `silence_logs=logging.CRITICAL` (a LocalCluster parameter) sets the level of distributed's
  loggers in the kernel and in the workers, so that a notebook shows only what it prints;
- the cluster is stopped at exit (atexit): a kernel restart shuts the kernel down first. If the
  kernel is killed instead, each worker process notices that its parent is gone and exits.

`leftovers(pids, ports)` says what is still there after stop(): the tests and the notebook use
it to prove that no process and no listening port is left behind.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psutil

HOST = "127.0.0.1"
START_TIMEOUT = 60  # seconds for the workers to start on a busy machine
QUIET = logging.CRITICAL  # distributed logs nothing; a failed task still reaches its caller


def has_dashboard() -> bool:
    """The dashboard needs bokeh; without it the cluster works, but shows no dashboard."""
    return importlib.util.find_spec("bokeh") is not None


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while child processes start (they inherit it); only the main thread can."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@dataclass
class CourseCluster:
    """A LocalCluster and its Client; stop() closes both and waits for the workers to exit."""

    cluster: Any  # distributed.LocalCluster
    client: Any  # distributed.Client
    pids: list[int] = field(default_factory=list)  # the worker processes, as started
    ports: list[int] = field(default_factory=list)  # what listened once it had started

    @property
    def dashboard_link(self) -> str | None:
        return self.client.dashboard_link if has_dashboard() else None

    def worker_pids(self) -> dict[str, int]:
        """{worker address: pid} of the workers running now (a restarted worker has a new pid)."""
        return self.client.run(os.getpid)

    def hosts(self) -> list[str]:
        """The addresses the cluster's ports listen on, in the kernel and in the workers."""
        found = set()
        for pid in [os.getpid(), *self.pids]:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                for conn in psutil.Process(pid).net_connections(kind="tcp"):
                    if conn.status == psutil.CONN_LISTEN and conn.laddr.port in self.ports:
                        found.add(conn.laddr.ip)
        return sorted(found)

    def stop(self) -> None:
        """Close the client and the cluster (safe to call twice); the workers' pids are kept."""
        self.pids = sorted({*self.pids, *self.known_pids()})
        with contextlib.suppress(Exception):  # already closed, or the loop is gone at exit
            self.client.close()
        with contextlib.suppress(Exception):
            self.cluster.close()
        wait_gone(self.pids)
        if CURRENT.get("cluster") is self:
            del CURRENT["cluster"]

    def known_pids(self) -> list[int]:
        with contextlib.suppress(Exception):
            return list(self.worker_pids().values())
        return []

    def __enter__(self) -> CourseCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


CURRENT: dict[str, CourseCluster] = {}  # the cluster start_cluster started in this process


def start_cluster(n_workers: int = 2, threads_per_worker: int = 1) -> CourseCluster:
    """Start a LocalCluster of worker processes on 127.0.0.1 (or reuse the one already running)."""
    from distributed import Client, LocalCluster

    running = CURRENT.get("cluster")
    if running is not None and running.client.status == "running":
        return running
    before = set(listening_ports(os.getpid()))  # the kernel's own ports (ZeroMQ) are not ours
    with sigint_ignored():
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=True,
            host=HOST,
            dashboard_address=f"{HOST}:0" if has_dashboard() else None,
            silence_logs=QUIET,
            preload=["course.cluster_worker"],  # a replaced worker ignores SIGINT too
        )
    client = Client(cluster)
    client.wait_for_workers(n_workers, timeout=START_TIMEOUT)
    started = CourseCluster(cluster, client)
    started.pids = list(started.worker_pids().values())
    mine = set(listening_ports(os.getpid())) - before  # the scheduler and the dashboard
    started.ports = sorted(mine.union(*(listening_ports(pid) for pid in started.pids)))
    CURRENT["cluster"] = started
    atexit.register(started.stop)
    return started


def listening_ports(pid: int) -> list[int]:
    """The TCP ports process `pid` listens on (none if it has exited)."""
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []
    return sorted({c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN})


def alive(pid: int) -> bool:
    """Is process `pid` still running (a zombie waiting to be reaped does not count)?"""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_gone(pids: list[int], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


def leftovers(pids: list[int], ports: list[int]) -> tuple[list[int], list[int]]:
    """(pids still running, ports still listening on this machine) out of the ones given."""
    listening = set()
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN:
            listening.add(conn.laddr.port)
    return [pid for pid in pids if alive(pid)], sorted(set(ports) & listening)
