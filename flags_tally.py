"""Count the flag server's answers by status from 20 threads: a race on a shared dict.

Needs the course's flag server (start it with: python -m flagserver); FLAGS_BASE_URL picks
the scenario, e.g. a quarter of the codes failing. Sample run:

    $ FLAGS_BASE_URL=http://127.0.0.1:8001/delay/0.2/errors/0.25/flags python flags_tally.py
    20 answers, counted 3: {200: 2, 503: 1}: 17 lost
    $ FLAGS_BASE_URL=http://127.0.0.1:8001/delay/0.2/errors/0.25/flags python flags_tally.py --lock
    20 answers, counted 20: {200: 15, 503: 5}: 0 lost

Ctrl-C or SIGTERM: the requests under way finish first (TIMEOUT at most), then one line.
"""

import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent import futures

import httpx

from flags_seq import BASE_URL, POP20_CC, TIMEOUT, FlagsError, check_server, explain
from race_counter import stop

Tally = Callable[[dict[int, int], int], None]
LOCK = threading.Lock()


def log_answer(status: int) -> None:
    time.sleep(0.001)  # writing a log line: the thread waits, another one runs meanwhile


def tally(counts: dict[int, int], status: int) -> None:
    seen = counts.get(status, 0)  # read
    log_answer(status)
    counts[status] = seen + 1  # write: what other threads added meanwhile is lost


def locked_tally(counts: dict[int, int], status: int) -> None:
    with LOCK:
        tally(counts, status)


def get_status(client: httpx.Client, cc: str) -> int:
    cc = cc.lower()
    return client.get(f"{BASE_URL}/{cc}/{cc}.gif", timeout=TIMEOUT).status_code


def count_answers(cc_list: list[str], add: Tally) -> dict[int, int]:
    counts: dict[int, int] = {}
    with httpx.Client(limits=httpx.Limits(max_connections=len(cc_list))) as client:

        def answer(cc: str) -> None:
            add(counts, get_status(client, cc))

        with futures.ThreadPoolExecutor(max_workers=len(cc_list)) as executor:
            for future in [executor.submit(answer, cc) for cc in cc_list]:
                future.result()  # re-raise what went wrong in a thread
    return dict(sorted(counts.items()))


def main(argv: list[str]) -> None:
    if argv not in ([], ["--lock"]):
        sys.exit("usage: python flags_tally.py [--lock]")
    for signum in (signal.SIGINT, signal.SIGTERM):  # one line, exit status 130 or 143
        signal.signal(signum, stop)
    try:
        check_server(BASE_URL, TIMEOUT)
        counts = count_answers(POP20_CC, locked_tally if argv else tally)
    except (httpx.HTTPError, FlagsError) as error:
        sys.exit(explain(error).strip())
    counted = sum(counts.values())
    print(f"{len(POP20_CC)} answers, counted {counted}: {counts}: {len(POP20_CC) - counted} lost")


if __name__ == "__main__":
    main(sys.argv[1:])
