"""Two threads take two locks in opposite order: a deadlock (взаимная блокировка).

Each thread moves money between two accounts and holds the first account's lock while it
does something slow, then takes the second. Thread 1 goes A -> B; thread 2 goes B -> A and
starts a little later, so with a timeout thread 1 gives up first and thread 2 then finishes.
Sample run:

    $ python deadlock.py             # hangs forever: stop it with Ctrl-C
    $ python deadlock.py --timeout 0.5
    deadlock: A -> B: gave up waiting for lock B after 0.5 s; B -> A: done
    $ python deadlock.py --ordered
    A -> B: done
    B -> A: done
"""

import signal
import sys
import threading
import time

from race_counter import stop

HOLD = 0.2  # seconds a thread holds its first lock before it takes the second
LATER = 0.1  # seconds after thread 1 that thread 2 starts: both hold their first lock by then
LOCKS = {"A": threading.Lock(), "B": threading.Lock()}


def transfer(src: str, dst: str, timeout: float | None, ordered: bool) -> str:
    """Take both accounts' locks; '' when done, else why it gave up."""
    first, second = sorted([src, dst]) if ordered else (src, dst)
    with LOCKS[first]:
        time.sleep(HOLD)  # a slow step while holding the first lock
        if not LOCKS[second].acquire(timeout=-1 if timeout is None else timeout):
            return f"gave up waiting for lock {second} after {timeout:g} s"
        LOCKS[second].release()
    return ""


def run_both(timeout: float | None, ordered: bool) -> dict[str, str]:
    outcomes: dict[str, str] = {}

    def work(src: str, dst: str, start: float) -> None:
        time.sleep(start)
        outcomes[f"{src} -> {dst}"] = transfer(src, dst, timeout, ordered)

    threads = [
        threading.Thread(target=work, args=job, daemon=True)
        for job in [("A", "B", 0.0), ("B", "A", LATER)]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def parse(argv: list[str]) -> tuple[float | None, bool]:
    match argv:
        case []:
            return None, False
        case ["--ordered"]:
            return None, True
        case ["--timeout", seconds] if seconds.replace(".", "", 1).isdigit():
            return float(seconds), False
    sys.exit("usage: python deadlock.py [--ordered | --timeout SECONDS]")


def main(argv: list[str]) -> None:
    timeout, ordered = parse(argv)
    signal.signal(signal.SIGTERM, stop)  # kill: one line, exit status 143
    try:
        outcomes = run_both(timeout, ordered)
    except KeyboardInterrupt:  # the threads are daemons: they end with the process
        print("interrupted: both threads were still waiting for each other's lock", file=sys.stderr)
        sys.exit(130)
    report = [f"{name}: {why or 'done'}" for name, why in sorted(outcomes.items())]
    if any(outcomes.values()):  # a thread gave up: report the deadlock, exit status 1
        sys.exit("deadlock: " + "; ".join(report))
    print(*report, sep="\n")


if __name__ == "__main__":
    main(sys.argv[1:])
