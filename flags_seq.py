"""Download the flags of the 20 most populous countries, one after another.

Needs the course's flag server (start it with: python -m flagserver).
Sample run:

    $ python flags_seq.py
    BD BR CD CN DE EG ET FR ID IN IR JP MX NG PH PK RU TR US VN
    20 downloads in 1.12s

A failure prints one line and exits with 1; Ctrl-C exits with 130, SIGTERM (kill) with 143.
"""

import os
import signal
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

import httpx

POP20_CC = "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR".split()
BASE_URL = os.environ.get("FLAGS_BASE_URL", "http://127.0.0.1:8001/flags")
DEST_DIR = Path("downloaded")
TIMEOUT = 10  # seconds for a whole request, from the first byte sent to the last received
GIF_SIGNATURES = (b"GIF87a", b"GIF89a")  # the first 6 bytes of every GIF file
HEALTH_TEXT = "flagserver ok"  # what the flag server's GET /health answers
INTERRUPTED = 130  # the exit status shells use after Ctrl-C: 128 + SIGINT
TERMINATED = 143  # and after SIGTERM (kill, docker stop...): 128 + SIGTERM


class FlagsError(Exception):
    """A failure main() reports in one line, without a traceback: the message is that line."""


class NotAFlag(FlagsError):
    """An answer that is not the GIF asked for: a wrong server, a proxy, a login page..."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt: stop, clean up, report (see main)."""


def on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated  # a signal handler runs in the main thread, between two bytecodes


def stopped_by(interrupt: KeyboardInterrupt) -> str:
    return "Terminated by SIGTERM" if isinstance(interrupt, Terminated) else "Interrupted"


def exit_status(interrupt: KeyboardInterrupt) -> int:
    return TERMINATED if isinstance(interrupt, Terminated) else INTERRUPTED


def origin(url: str) -> str:
    """'http://127.0.0.1:8001/delay/1/flags' -> 'http://127.0.0.1:8001', or FlagsError."""
    try:
        parts = urlsplit(url)  # ValueError for 'http://[::1'
        good = parts.scheme in ("http", "https") and parts.hostname and parts.port != 0
    except ValueError:  # .port raises it for 'http://host:abc'
        good = False
    if not good:
        raise FlagsError(f"Not an http(s) URL like http://127.0.0.1:8001/flags: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def get_within(client: httpx.Client, url: str, timeout: float) -> httpx.Response:
    """GET url, and give up `timeout` seconds after the start: a deadline for the whole request.

    httpx's own timeout counts each read alone: a server that sends a byte every second never
    trips it. So read the body in chunks and look at the clock after each one. (A server that
    sends nothing at all trips httpx's timeout: the request ends within 2 x timeout at worst.)
    """
    deadline = time.monotonic() + timeout
    with client.stream("GET", url, timeout=timeout, follow_redirects=True) as resp:
        body = b""
        for chunk in resp.iter_raw():  # the bytes as sent: the Response below decodes them
            body += chunk
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout(f"no whole answer in {timeout} s", request=resp.request)
    return httpx.Response(
        resp.status_code, headers=resp.headers, content=body, request=resp.request
    )


def check_server(base_url: str, timeout: float) -> None:
    """Is the flag server there? Its GET /health answers "flagserver ok"; nothing else does."""
    with httpx.Client() as client:
        resp = get_within(client, f"{origin(base_url)}/health", timeout)
    if resp.text.strip() != HEALTH_TEXT:
        raise FlagsError(
            f"Not the flag server at {origin(base_url)}: GET /health gave "
            f"HTTP {resp.status_code}; start one with `python -m flagserver`"
        )


def flag_image(resp: httpx.Response) -> bytes:
    """The GIF in an answer, checked: trust no server to send what was asked for."""
    resp.raise_for_status()  # 404, 503...: httpx.HTTPStatusError
    kind = resp.headers.get("Content-Type", "no Content-Type").partition(";")[0]
    if resp.status_code != 200:  # 204 No Content, 206 Partial Content...
        raise NotAFlag(f"not a flag: HTTP {resp.status_code}")
    if kind != "image/gif":
        raise NotAFlag(f"not a GIF: {kind}")
    if not resp.content.startswith(GIF_SIGNATURES):
        raise NotAFlag(f"not a GIF: the body starts with {resp.content[:6]!r}")
    return resp.content


def save_flag(img: bytes, filename: str) -> None:
    """Write to a temporary name, then rename: never a half-written flag."""
    path = DEST_DIR / filename
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # per process: runs may overlap
    try:
        tmp.write_bytes(img)
        tmp.replace(path)
    finally:
        with suppress(OSError):  # a read-only disk refuses this too: report the first error
            tmp.unlink(missing_ok=True)


def get_flag(cc: str) -> bytes:
    cc = cc.lower()
    with httpx.Client() as client:
        resp = get_within(client, f"{BASE_URL}/{cc}/{cc}.gif", TIMEOUT)
    return flag_image(resp)


def download_many(cc_list: list[str]) -> int:
    for cc in sorted(cc_list):
        image = get_flag(cc)
        save_flag(image, f"{cc.lower()}.gif")
        print(cc, end=" ", flush=True)
    return len(cc_list)


def explain(error: Exception) -> str:
    """The one line main() prints for a failure (a newline first: after the codes printed)."""
    match error:
        case httpx.ConnectError():
            return f"No flag server at {BASE_URL}: start one with `python -m flagserver`"
        case httpx.TimeoutException() | TimeoutError():
            return f"\nThe flag server at {BASE_URL} did not answer within {TIMEOUT} s"
        case httpx.HTTPStatusError(response=resp):
            return f"\nHTTP {resp.status_code} for {resp.url}: {resp.text.strip()[:200]}"
        case NotAFlag():
            return f"\nNo flag from {BASE_URL}: {error}"
        case httpx.HTTPError():  # the server went away mid-answer, and the like
            return f"\nLost the flag server at {BASE_URL}: {type(error).__name__} {error}"
        case OSError():  # a read-only or full disk
            return f"\nCannot save the flags in {DEST_DIR}/: {error}"
    return str(error)  # a FlagsError: its message is the line


def main(downloader: Callable[[list[str]], int]) -> None:
    signal.signal(signal.SIGTERM, on_sigterm)  # SIGTERM stops a run as Ctrl-C does
    try:
        check_server(BASE_URL, TIMEOUT)
        DEST_DIR.mkdir(exist_ok=True)
        t0 = time.perf_counter()
        count = downloader(POP20_CC)
    except (httpx.HTTPError, FlagsError, OSError) as error:
        sys.exit(explain(error))
    except KeyboardInterrupt as interrupt:  # Ctrl-C or SIGTERM: the saved flags are whole
        print(f"\n{stopped_by(interrupt)}", file=sys.stderr)
        sys.exit(exit_status(interrupt))
    elapsed = time.perf_counter() - t0
    print(f"\n{count} downloads in {elapsed:.2f}s")


if __name__ == "__main__":
    main(download_many)
