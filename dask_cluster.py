"""Connect to a Dask cluster: the one at DASK_SCHEDULER_ADDRESS, or a new one on this machine.

The scripts of notebook 09 share it (flags_dask.py, primes_dask.py). Only the address changes
between a laptop and a real cluster: DASK_SCHEDULER_ADDRESS=tcp://scheduler:8786.
Sample run:

    $ python dask_cluster.py
    2 workers, 2 threads at tcp://127.0.0.1:40813
"""

import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster

SCHEDULER = os.environ.get("DASK_SCHEDULER_ADDRESS")  # unset: start a cluster on this machine
HOST = "127.0.0.1"  # the local cluster listens on loopback only
CONNECT_TIMEOUT = 5  # seconds to reach a scheduler given by its address


INTERRUPTED = 130  # the exit status shells use after Ctrl-C: 128 + SIGINT


class ClusterError(Exception):
    """No cluster: the message is the one line to print."""


def stop_like_ctrl_c(signum: int, frame: object) -> None:
    """SIGTERM (kill, docker stop) stops a script as Ctrl-C does: its `with` blocks clean up."""
    raise KeyboardInterrupt


def interrupted() -> None:
    """The one line after Ctrl-C or SIGTERM, once the cluster the script started has stopped."""
    print("Interrupted: the cluster is stopped", file=sys.stderr)
    sys.exit(INTERRUPTED)


def start_local(workers: int, threads: int) -> LocalCluster:
    """Worker processes on 127.0.0.1; they ignore Ctrl-C: the script's `with` stops them.

    A SIGTERM while they start is held until the cluster is up (a half-started cluster cannot
    close, and its workers would be left), then the cluster closes and the SIGTERM goes on.
    """
    held: list[int] = []
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)  # children inherit SIG_IGN
    previous_term = signal.signal(signal.SIGTERM, lambda signum, frame: held.append(signum))
    try:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=threads,
            host=HOST,
            dashboard_address=None,  # a script needs no dashboard: no port for it
            silence_logs=logging.CRITICAL,  # no log lines: a failed task reaches its caller
        )
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
    if held:
        cluster.close()
        signal.raise_signal(signal.SIGTERM)  # now the script's own handler stops it
    return cluster


@contextmanager
def dask_client(workers: int = 2, threads: int = 1) -> Iterator[Client]:
    """A Client; a local cluster it started is closed on the way out, also on Ctrl-C."""
    if SCHEDULER:
        try:
            client = Client(SCHEDULER, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as error:
            raise ClusterError(f"No Dask scheduler at {SCHEDULER}: {error}") from None
        with client:
            yield client
        return
    cluster = start_local(workers, threads)
    try:
        with Client(cluster) as client:
            yield client
    finally:
        try:
            cluster.close()
        except Exception:  # Ctrl-C while a worker is still starting: close() fails an assert
            cluster.shutdown_on_close = False  # so no second try (and traceback) at exit: the
            # workers see their parent gone and exit by themselves


def main() -> None:
    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    try:
        with dask_client() as client:
            info = client.scheduler_info()
            threads = sum(w["nthreads"] for w in info["workers"].values())
            print(f"{len(info['workers'])} workers, {threads} threads at {info['address']}")
    except ClusterError as error:
        sys.exit(str(error))
    except KeyboardInterrupt:
        interrupted()


if __name__ == "__main__":
    main()
