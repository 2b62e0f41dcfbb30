"""Check primes.py's large primes with a pool of processes or on a Dask cluster.

The same executor.map(is_prime, NUMBERS): only the executor changes.
Sample run on a machine with 2 cores::

    $ python primes_dask.py processes 2
    4 of 4 numbers are prime (processes: 2) in 0.95s, executor ready in 0.00s
    $ python primes_dask.py dask 2
    4 of 4 numbers are prime (dask: 2) in 0.97s, executor ready in 1.31s
"""

import signal
import sys
import time
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager

from dask_cluster import ClusterError, dask_client, interrupted, stop_like_ctrl_c
from primes import NUMBERS, is_prime

KINDS = ("processes", "dask")


@contextmanager
def executor_for(kind: str, workers: int) -> Iterator[futures.Executor]:
    """The only line that differs: a pool of processes, or the executor of a Dask client."""
    if kind == "processes":
        with futures.ProcessPoolExecutor(max_workers=workers) as pool:  # starts processes lazily
            yield pool
    else:
        with dask_client(workers, threads=1) as client, client.get_executor() as executor:
            yield executor


def check_all(executor: futures.Executor) -> list[tuple[int, bool]]:
    return list(zip(NUMBERS, executor.map(is_prime, NUMBERS)))


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in KINDS or not sys.argv[2].isdigit():
        sys.exit("usage: primes_dask.py processes|dask WORKERS")
    kind, workers = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    t0 = time.perf_counter()
    try:
        with executor_for(kind, workers) as executor:
            ready = time.perf_counter() - t0
            t1 = time.perf_counter()
            checked = check_all(executor)
            elapsed = time.perf_counter() - t1
    except ClusterError as error:
        sys.exit(str(error))
    except KeyboardInterrupt:
        interrupted()
    primes = sum(prime for _, prime in checked)
    print(
        f"{primes} of {len(checked)} numbers are prime ({kind}: {workers}) in {elapsed:.2f}s, "
        f"executor ready in {ready:.2f}s"
    )


if __name__ == "__main__":
    main()
