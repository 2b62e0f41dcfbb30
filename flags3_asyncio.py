"""Two requests per flag, chained: the country's JSON, then its flag; both saved.

flags2_asyncio.py with one more `await` in download_one: the metadata (code and name) first,
then the GIF, under the same semaphore, so each item costs two round trips; flags2_asyncio.py's
supervisor runs it (Ctrl-C, SIGTERM, the progress bar, the shared client). Needs the course's
flag server (start it with: python -m flagserver). Options: -h. Sample run:

    $ python flags3_asyncio.py -s DELAY -m 20
    Server DELAY: http://127.0.0.1:8001/delay/0.5/flags
    20 codes, BD to VN; up to 20 at a time
    100%|██████████| 20/20 [00:01<00:00, 19.61it/s]
    --------------------
    OK            20
    NOT_FOUND      0
    ERROR          0
    20 requests in 1.03s
"""

import asyncio
import json
from collections import Counter
from functools import partial

import httpx

from flags2_asyncio import (
    DEFAULT_CONCUR_REQ,
    MAX_CONCUR_REQ,
    download_many,
    get_flag,
    save_flag_async,
)
from flags2_common import DownloadStatus, Settings, describe, main, report
from flags_seq import NotAFlag

MAX_NAME = 100  # characters of a country's name we keep: trust no server


async def get_country(client: httpx.AsyncClient, base_url: str, cc: str) -> str:
    """The country's name from {base_url}/{cc}/{cc}.json, checked."""
    cc = cc.lower()
    resp = await client.get(f"{base_url}/{cc}/{cc}.json", follow_redirects=True)
    resp.raise_for_status()
    kind = resp.headers.get("Content-Type", "no Content-Type").partition(";")[0]
    if kind != "application/json":
        raise NotAFlag(f"not JSON: {kind}")
    name = resp.json().get("name")
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        raise NotAFlag(f"no country name in {resp.text[:40]!r}")
    return name


async def download_one(
    client: httpx.AsyncClient,
    cc: str,
    settings: Settings,
    semaphore: asyncio.Semaphore,
    counter: Counter[DownloadStatus],
) -> None:
    try:
        async with semaphore:  # at most settings.concur_req items in flight
            async with asyncio.timeout(settings.timeout):  # a deadline for both requests
                name = await get_country(client, settings.base_url, cc)
                image = await get_flag(client, settings.base_url, cc)  # only after the name
    except (httpx.HTTPError, NotAFlag, TimeoutError, ValueError) as error:
        status, detail = describe(error)
    else:
        status, detail = DownloadStatus.OK, name
        metadata = json.dumps({"code": cc.lower(), "name": name}).encode()
        try:  # both files at once: a cancel lets both finish (one alone would be debris)
            await asyncio.gather(
                save_flag_async(metadata, f"{cc.lower()}.json"),
                save_flag_async(image, f"{cc.lower()}.gif"),
            )
        except asyncio.CancelledError:
            counter[status] += 1  # cancelled, but saved all the same: count it
            raise
    report(cc, status, detail, settings.verbose)
    counter[status] += 1


if __name__ == "__main__":
    main(partial(download_many, download=download_one), DEFAULT_CONCUR_REQ, MAX_CONCUR_REQ)
