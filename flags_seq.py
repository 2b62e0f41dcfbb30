"""Download the flags of the 20 most populous countries, one after another.

Needs the course's flag server (start it with: python -m flagserver).
Sample run:

    $ python flags_seq.py
    BD BR CD CN DE EG ET FR ID IN IR JP MX NG PH PK RU TR US VN
    20 downloads in 1.12s
"""

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

POP20_CC = "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR".split()
BASE_URL = os.environ.get("FLAGS_BASE_URL", "http://127.0.0.1:8001/flags")
DEST_DIR = Path("downloaded")
TIMEOUT = 10  # seconds


def save_flag(img: bytes, filename: str) -> None:
    """Write to a temporary name, then rename: never a half-written flag."""
    path = DEST_DIR / filename
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # per process: runs may overlap
    try:
        tmp.write_bytes(img)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def get_flag(cc: str) -> bytes:
    cc = cc.lower()
    url = f"{BASE_URL}/{cc}/{cc}.gif"
    resp = httpx.get(url, timeout=TIMEOUT, follow_redirects=True)
    resp.raise_for_status()
    return resp.content


def download_many(cc_list: list[str]) -> int:
    for cc in sorted(cc_list):
        image = get_flag(cc)
        save_flag(image, f"{cc.lower()}.gif")
        print(cc, end=" ", flush=True)
    return len(cc_list)


def main(downloader: Callable[[list[str]], int]) -> None:
    DEST_DIR.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    try:
        count = downloader(POP20_CC)
    except httpx.ConnectError:
        sys.exit(f"No flag server at {BASE_URL}: start one with `python -m flagserver`")
    except httpx.TimeoutException:
        sys.exit(f"\nThe flag server at {BASE_URL} did not answer within {TIMEOUT} s")
    except httpx.HTTPStatusError as error:
        reason = error.response.text.strip()
        sys.exit(f"\nHTTP {error.response.status_code} for {error.request.url}: {reason}")
    elapsed = time.perf_counter() - t0
    print(f"\n{count} downloads in {elapsed:.2f}s")


if __name__ == "__main__":
    main(download_many)
