"""Download the flags of the 20 most populous countries with a pool of threads and ONE client.

flags_threadpool.py calls flags_seq.get_flag, which builds a new httpx.Client for every flag.
Here the 20 threads share one httpx.Client (it is thread-safe): one SSL context, one pool of
connections. The difference between the two is what building a client costs.
Needs the course's flag server (start it with: python -m flagserver).
Sample run:

    $ python flags_threadpool_client.py
    BR CD BD EG CN ID ET PK FR IR DE MX NG US TR IN JP PH RU VN
    20 downloads in 0.27s
"""

from concurrent import futures
from functools import partial

import httpx

from flags_seq import BASE_URL, TIMEOUT, flag_image, get_within, main, save_flag
from flags_threadpool import MAX_WORKERS


def get_flag(client: httpx.Client, cc: str) -> bytes:
    cc = cc.lower()
    resp = get_within(client, f"{BASE_URL}/{cc}/{cc}.gif", TIMEOUT)
    return flag_image(resp)


def download_one(client: httpx.Client, cc: str) -> str:
    image = get_flag(client, cc)
    save_flag(image, f"{cc.lower()}.gif")
    print(f"{cc} ", end="", flush=True)  # one write: threads never split a code
    return cc


def download_many(cc_list: list[str]) -> int:
    limits = httpx.Limits(max_connections=MAX_WORKERS)  # a connection for each thread
    with (
        httpx.Client(limits=limits) as client,  # closed after the pool: exits run in reverse
        futures.ThreadPoolExecutor(max_workers=MAX_WORKERS) as executor,
    ):
        res = executor.map(partial(download_one, client), sorted(cc_list))
    return len(list(res))  # after the pool, as in flags_threadpool.py: every download has ended


if __name__ == "__main__":
    main(download_many)
