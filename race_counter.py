"""Threads that add to one shared counter: updates get lost, unless a Lock guards them.

Each thread runs `counter = counter + 1` as three steps (read, add, write) with a switch
point between the read and the write, where another thread may run. Sample run:

    $ python race_counter.py
    4 threads x 1000 increments: counter = 1017, should be 4000: 2983 updates lost (0.05s)
    $ python race_counter.py --lock
    4 threads x 1000 increments: counter = 4000, should be 4000: 0 updates lost (0.04s)

Ctrl-C (or SIGTERM) stops it with one line, `stopped by SIGINT`, and exit status 130 (143).
"""

import signal
import sys
import threading
import time
from types import FrameType

THREADS = 4
INCREMENTS = 1000


class Counter:
    def __init__(self) -> None:
        self.value = 0

    def increment(self) -> None:
        value = self.value  # read
        time.sleep(0)  # a switch point: another thread may run here (like I/O, or a log line)
        self.value = value + 1  # write: overwrites whatever the others wrote meanwhile


class LockedCounter(Counter):
    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def increment(self) -> None:
        with self.lock:  # read, add and write as one step: no other thread in between
            super().increment()


def work(counter: Counter, times: int) -> None:
    for _ in range(times):
        counter.increment()


def count(counter: Counter, threads: int, increments: int) -> int:
    workers = [
        threading.Thread(target=work, args=(counter, increments), daemon=True)  # see stop()
        for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return counter.value


def stop(signum: int, frame: FrameType | None = None) -> None:
    """Ctrl-C (SIGINT) or SIGTERM: one line, then exit with 128 + the signal (130, 143)."""
    print(f"stopped by {signal.Signals(signum).name}", file=sys.stderr)
    sys.exit(128 + signum)  # in the main thread; daemon threads end with the process


def main(argv: list[str]) -> None:
    if argv not in ([], ["--lock"]):
        sys.exit("usage: python race_counter.py [--lock]")
    for signum in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C, kill: see stop()
        signal.signal(signum, stop)
    counter = LockedCounter() if argv else Counter()
    t0 = time.perf_counter()
    value = count(counter, THREADS, INCREMENTS)
    elapsed = time.perf_counter() - t0
    should = THREADS * INCREMENTS
    print(
        f"{THREADS} threads x {INCREMENTS} increments: counter = {value}, "
        f"should be {should}: {should - value} updates lost ({elapsed:.2f}s)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
