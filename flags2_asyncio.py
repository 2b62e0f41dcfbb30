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
from collections import Counter

import httpx
from httpx_aiohttp import AiohttpTransport

from flags2_common import (
    DownloadStatus,
    Settings,
    count_finished,
    describe,
    main,
    progress_bar,
    report,
)
from flags_seq import save_flag

DEFAULT_CONCUR_REQ = 5
MAX_CONCUR_REQ = 1000


async def get_flag(client: httpx.AsyncClient, base_url: str, cc: str) -> bytes:
    cc = cc.lower()
    resp = await client.get(f"{base_url}/{cc}/{cc}.gif", follow_redirects=True)
    resp.raise_for_status()
    return resp.content


async def save_flag_async(image: bytes, filename: str) -> None:
    """Save in a worker thread, off the event loop. Too late to cancel once the bytes are here."""
    saving = asyncio.ensure_future(asyncio.to_thread(save_flag, image, filename))
    try:
        await asyncio.shield(saving)  # a cancel does not reach the thread that writes...
    except asyncio.CancelledError:
        await saving  # ...so wait for it: the flag is saved, and counted as OK


async def download_one(
    client: httpx.AsyncClient, cc: str, settings: Settings, semaphore: asyncio.Semaphore
) -> DownloadStatus:
    try:
        async with semaphore:  # at most settings.concur_req requests in flight
            async with asyncio.timeout(settings.timeout):  # a deadline for the whole request
                image = await get_flag(client, settings.base_url, cc)
    except (httpx.HTTPError, TimeoutError) as error:
        status, detail = describe(error)
    else:
        await save_flag_async(image, f"{cc.lower()}.gif")
        status, detail = DownloadStatus.OK, ""
    report(cc, status, detail, settings.verbose)
    return status


async def supervisor(
    cc_list: list[str], settings: Settings, counter: Counter[DownloadStatus]
) -> None:
    semaphore = asyncio.Semaphore(settings.concur_req)
    limits = httpx.Limits(max_connections=settings.concur_req)
    transport = AiohttpTransport(limits=limits)  # aiohttp's connection pool: see notebook 05
    async with httpx.AsyncClient(timeout=settings.timeout, transport=transport) as client:
        to_do = [
            asyncio.create_task(download_one(client, cc, settings, semaphore)) for cc in cc_list
        ]
        try:
            with progress_bar(len(cc_list), settings.verbose) as bar:
                for next_done in asyncio.as_completed(to_do):
                    counter[await next_done] += 1
                    bar.update()
        finally:  # Ctrl-C cancels this task (asyncio.run does it): stop the downloads too
            for task in to_do:
                task.cancel()  # does nothing to a task that is done
            await asyncio.wait(to_do)
            count_finished(to_do, counter)


def download_many(cc_list: list[str], settings: Settings, counter: Counter[DownloadStatus]) -> None:
    asyncio.run(supervisor(cc_list, settings, counter))  # Ctrl-C: KeyboardInterrupt from here


if __name__ == "__main__":
    main(download_many, DEFAULT_CONCUR_REQ, MAX_CONCUR_REQ)
