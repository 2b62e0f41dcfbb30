"""Processes share nothing unless asked: a multiprocessing.Value, updated without and with its lock.

A Value lives in shared memory and has a lock, but each read or write of `counter.value`
takes it alone: `counter.value += 1` is still a read, then a write, and another process may
write in between. `with counter.get_lock():` makes the two one step. Sample run:

    $ python mp_counter.py
    4 processes x 200 increments: value = 231, should be 800: 569 updates lost (0.43s)
    $ python mp_counter.py --lock
    4 processes x 200 increments: value = 800, should be 800: 0 updates lost (0.61s)

Ctrl-C reaches every process of the terminal: the workers ignore it, the parent stops them.
"""

import multiprocessing as mp
import signal
import sys
import time
from multiprocessing.sharedctypes import Synchronized

from race_counter import stop

PROCESSES = 4
INCREMENTS = 200


def add(counter: Synchronized, times: int, locked: bool) -> None:
    for _ in range(times):
        if locked:
            with counter.get_lock():  # read and write as one step, for every process
                counter.value += 1
        else:
            value = counter.value  # read
            time.sleep(0)  # a switch point: another process may run here
            counter.value = value + 1  # write


def start(workers: list[mp.Process]) -> None:
    """Start the workers with Ctrl-C ignored and SIGTERM's default action: they keep both
    (fork and spawn alike), so a terminal's Ctrl-C gives no traceback in them."""
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for worker in workers:
        worker.start()
    for signum, handler in handlers.items():
        signal.signal(signum, handler)


def count(processes: int, increments: int, locked: bool) -> int:
    counter = mp.Value("i", 0)  # an int in memory that every process can see
    workers = [mp.Process(target=add, args=(counter, increments, locked)) for _ in range(processes)]
    start(workers)
    try:
        for worker in workers:
            worker.join()
    except SystemExit:  # Ctrl-C or SIGTERM stopped the parent (see main): it stops the workers
        for worker in workers:
            worker.terminate()
            worker.join()
        raise
    return counter.value


def main(argv: list[str]) -> None:
    if argv not in ([], ["--lock"]):
        sys.exit("usage: python mp_counter.py [--lock]")
    for signum in (signal.SIGINT, signal.SIGTERM):  # one line, exit status 130 or 143
        signal.signal(signum, stop)
    t0 = time.perf_counter()
    value = count(PROCESSES, INCREMENTS, locked=bool(argv))
    elapsed = time.perf_counter() - t0
    should = PROCESSES * INCREMENTS
    print(
        f"{PROCESSES} processes x {INCREMENTS} increments: value = {value}, "
        f"should be {should}: {should - value} updates lost ({elapsed:.2f}s)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
