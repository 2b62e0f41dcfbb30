"""Download flags with a pool of threads: count errors, limit concurrency, survive Ctrl-C.

Needs the course's flag server (start it with: python -m flagserver). Options: -h.
Sample run:

    $ python flags2_threadpool.py -e -s ERROR -m 100
    Server ERROR: http://127.0.0.1:8001/delay/0.1/errors/0.25/flags
    676 codes, AA to ZZ; up to 100 at a time
    100%|██████████| 676/676 [00:01<00:00, 601.50it/s]
    --------------------
    OK           181
    NOT_FOUND    335
    ERROR        160
    676 requests in 1.13s
"""

from collections import Counter
from concurrent import futures

import httpx

from flags2_common import (
    DownloadStatus,
    Settings,
    count_finished,
    describe,
    main,
    progress_bar,
    report,
)
from flags_seq import NotAFlag, flag_image, get_within, save_flag

DEFAULT_CONCUR_REQ = 30
MAX_CONCUR_REQ = 1000


def get_flag(client: httpx.Client, base_url: str, cc: str, timeout: float) -> bytes:
    cc = cc.lower()
    resp = get_within(client, f"{base_url}/{cc}/{cc}.gif", timeout)  # a deadline for it all
    return flag_image(resp)  # a 200 text/html page is no flag


def download_one(client: httpx.Client, cc: str, settings: Settings) -> DownloadStatus:
    try:
        image = get_flag(client, settings.base_url, cc, settings.timeout)
    except (httpx.HTTPError, NotAFlag) as error:  # a 404, a 503, a timeout, a wrong server...
        status, detail = describe(error)
    else:
        save_flag(image, f"{cc.lower()}.gif")
        status, detail = DownloadStatus.OK, ""
    report(cc, status, detail, settings.verbose)
    return status


def download_many(cc_list: list[str], settings: Settings, counter: Counter[DownloadStatus]) -> None:
    limits = httpx.Limits(max_connections=settings.concur_req)
    with (
        httpx.Client(timeout=settings.timeout, limits=limits) as client,
        futures.ThreadPoolExecutor(max_workers=settings.concur_req) as executor,
        progress_bar(len(cc_list), settings.verbose) as bar,
    ):
        to_do: list[futures.Future[DownloadStatus]] = []
        try:
            for cc in cc_list:
                to_do.append(executor.submit(download_one, client, cc, settings))
            for future in futures.as_completed(to_do):
                counter[future.result()] += 1
                bar.update()
        except (KeyboardInterrupt, OSError):  # Ctrl-C, SIGTERM (main thread only), a full disk
            executor.shutdown(wait=True, cancel_futures=True)  # running ones finish, no more
            count_finished(to_do, counter)
            raise


if __name__ == "__main__":
    main(download_many, DEFAULT_CONCUR_REQ, MAX_CONCUR_REQ)
