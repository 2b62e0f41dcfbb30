"""Download flags with asyncio: count errors, limit concurrency, time out, survive Ctrl-C.

Needs the course's flag server (start it with: python -m flagserver). Options: -h.
Sample run:

    $ python flags2_asyncio.py -e -s ERROR -m 100
    Server ERROR: http://127.0.0.1:8001/delay/0.1/errors/0.25/flags
    676 codes, AA to ZZ; up to 100 at a time
    100%|██████████| 676/676 [00:00<00:00, 722.91it/s]
    --------------------
    OK           181
    NOT_FOUND    335
    ERROR        160
    676 requests in 0.94s
"""

import asyncio
import signal
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import suppress

import httpx
from httpx_aiohttp import AiohttpTransport

from flags2_common import (
    DownloadStatus,
    Settings,
    Terminated,
    describe,
    main,
    progress_bar,
    report,
)
from flags_seq import NotAFlag, flag_image, save_flag

DEFAULT_CONCUR_REQ = 5
MAX_CONCUR_REQ = 1000


async def get_flag(client: httpx.AsyncClient, base_url: str, cc: str) -> bytes:
    cc = cc.lower()
    resp = await client.get(f"{base_url}/{cc}/{cc}.gif", follow_redirects=True)
    return flag_image(resp)  # a 200 text/html page is no flag


async def save_flag_async(image: bytes, filename: str) -> None:
    """Save in a worker thread, off the event loop. A cancel waits for the save, then goes on."""
    saving = asyncio.ensure_future(asyncio.to_thread(save_flag, image, filename))
    try:
        await asyncio.shield(saving)  # a cancel does not reach the thread that writes...
    except asyncio.CancelledError:
        await saving  # ...so wait for it: the flag is whole on disk
        raise  # and let the cancellation go on: never swallow it


async def download_one(
    client: httpx.AsyncClient,
    cc: str,
    settings: Settings,
    semaphore: asyncio.Semaphore,
    counter: Counter[DownloadStatus],
) -> None:
    try:
        async with semaphore:  # at most settings.concur_req requests in flight
            async with asyncio.timeout(settings.timeout):  # a deadline for the whole request
                image = await get_flag(client, settings.base_url, cc)
    except (httpx.HTTPError, NotAFlag, TimeoutError) as error:
        status, detail = describe(error)
    else:
        status, detail = DownloadStatus.OK, ""
        try:
            await save_flag_async(image, f"{cc.lower()}.gif")
        except asyncio.CancelledError:
            counter[status] += 1  # cancelled, but saved all the same: count it
            raise
    report(cc, status, detail, settings.verbose)
    counter[status] += 1  # one thread, the event loop's: no two tasks count at once


async def supervisor(
    cc_list: list[str],
    settings: Settings,
    counter: Counter[DownloadStatus],
    download: Callable[..., Awaitable[None]] = download_one,  # flags3_asyncio.py brings its own
) -> None:
    with suppress(NotImplementedError):  # Windows: no add_signal_handler, SIGTERM just kills
        loop = asyncio.get_running_loop()  # SIGTERM cancels this task, as Ctrl-C does
        loop.add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel, "SIGTERM")
    semaphore = asyncio.Semaphore(settings.concur_req)
    limits = httpx.Limits(max_connections=settings.concur_req)
    transport = AiohttpTransport(limits=limits)  # aiohttp's connection pool: see notebook 05
    async with httpx.AsyncClient(timeout=settings.timeout, transport=transport) as client:
        to_do = [
            asyncio.create_task(download(client, cc, settings, semaphore, counter))
            for cc in cc_list
        ]
        try:
            with progress_bar(len(cc_list), settings.verbose) as bar:
                for next_done in asyncio.as_completed(to_do):
                    await next_done  # an OSError (the disk is full...) stops the run
                    bar.update()
        finally:  # Ctrl-C cancels this task (asyncio.run does it): stop the downloads too
            for task in to_do:
                task.cancel()  # does nothing to a task that is done
            await asyncio.gather(*to_do, return_exceptions=True)  # wait, retrieve every error


def download_many(
    cc_list: list[str],
    settings: Settings,
    counter: Counter[DownloadStatus],
    download: Callable[..., Awaitable[None]] = download_one,
) -> None:
    try:
        asyncio.run(supervisor(cc_list, settings, counter, download))  # Ctrl-C: KeyboardInterrupt
    except asyncio.CancelledError:  # only SIGTERM cancels the supervisor this way
        raise Terminated from None


if __name__ == "__main__":
    main(download_many, DEFAULT_CONCUR_REQ, MAX_CONCUR_REQ)
