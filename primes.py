"""Check large primes with N threads or N processes: CPU-bound work meets the GIL.

Sample run on a machine with 2 cores::

    $ python3 primes.py threads 1
    4 of 4 numbers are prime (threads: 1) in 1.83s
    $ python3 primes.py threads 2
    4 of 4 numbers are prime (threads: 2) in 1.76s
    $ python3 primes.py processes 2
    4 of 4 numbers are prime (processes: 2) in 0.93s
"""

import math
import multiprocessing
import queue
import sys
import time
from multiprocessing.queues import SimpleQueue as ProcessQueue
from threading import Thread

NUMBERS = [
    49_999_999_999_981,
    49_999_999_999_949,
    49_999_999_999_919,
    49_999_999_999_819,
]
AnyQueue = queue.SimpleQueue | ProcessQueue  # both have put() and get()
KINDS = {
    "threads": (Thread, queue.SimpleQueue),
    "processes": (multiprocessing.Process, multiprocessing.SimpleQueue),
}


def is_prime(n: int) -> bool:
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    root = math.isqrt(n)
    for i in range(3, root + 1, 2):
        if n % i == 0:
            return False
    return True


def worker(jobs: AnyQueue, results: AnyQueue) -> None:
    while n := jobs.get():  # 0 means: no more jobs
        results.put((n, is_prime(n)))


def check_all(kind: str, workers: int) -> list[tuple[int, bool]]:
    worker_class, queue_class = KINDS[kind]
    jobs, results = queue_class(), queue_class()
    for n in NUMBERS + [0] * workers:
        jobs.put(n)
    for _ in range(workers):
        worker_class(target=worker, args=(jobs, results)).start()
    return [results.get() for _ in NUMBERS]


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in KINDS:
        sys.exit("usage: primes.py threads|processes WORKERS")
    kind, workers = sys.argv[1], int(sys.argv[2])
    t0 = time.perf_counter()
    checked = check_all(kind, workers)
    elapsed = time.perf_counter() - t0
    primes = sum(prime for _, prime in checked)
    print(f"{primes} of {len(checked)} numbers are prime ({kind}: {workers}) in {elapsed:.2f}s")


if __name__ == "__main__":
    main()
