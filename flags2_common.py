"""The command line, statuses and reports shared by flags2_threadpool.py and flags2_asyncio.py.

Each download ends as OK, NOT_FOUND or ERROR; the run counts them, shows a progress bar and
prints a summary, even when it is interrupted with Ctrl-C. Sample run:

    $ python flags2_asyncio.py -a -s ERROR -m 50
    Server ERROR: http://127.0.0.1:8001/delay/0.1/errors/0.25/flags
    256 codes, AD to ZW; up to 50 at a time
    100%|██████████| 256/256 [00:00<00:00, 302.13it/s]
    --------------------
    OK           183
    NOT_FOUND      0
    ERROR         73
    256 requests in 0.85s
"""

import argparse
import re
import signal
import string
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from enum import Enum

import httpx
from tqdm import tqdm

from flags_seq import (  # Ctrl-C and SIGTERM are handled as flags_seq.main handles them
    BASE_URL,
    DEST_DIR,
    POP20_CC,
    TIMEOUT,
    FlagsError,
    NotAFlag,
    Terminated,
    check_server,
    exit_status,
    get_within,
    on_sigterm,
    origin,
    stopped_by,
)

DownloadStatus = Enum("DownloadStatus", "OK NOT_FOUND ERROR")

try:
    ORIGIN = origin(BASE_URL)  # http://127.0.0.1:8001
except FlagsError:  # a bad $FLAGS_BASE_URL: main() says so, unless -s names a good server
    ORIGIN = "http://127.0.0.1:8001"
SERVERS = {
    "LOCAL": BASE_URL,
    "DELAY": f"{ORIGIN}/delay/0.5/flags",
    "ERROR": f"{ORIGIN}/delay/0.1/errors/0.25/flags",
}
SERVERS_HELP = """\
servers (-s):
  LOCAL  {LOCAL}
         $FLAGS_BASE_URL, or the local flag server
  DELAY  {DELAY}
         0.5 s of latency on every response
  ERROR  {ERROR}
         0.1 s of latency; 25% of the codes always fail with 503

exit status:
  0    every code was saved, or the server has no flag for it (NOT_FOUND)
  1    some code is an ERROR, or the run could not start or go on (one line says why)
  2    usage error (a wrong option or argument)
  130  interrupted by Ctrl-C (SIGINT)
  143  terminated (SIGTERM); both print the summary of what was saved before
"""
DEFAULT_SERVER = "LOCAL"
CODE_RE = re.compile(r"[A-Z]{2}(-[A-Z]{3})?")  # CN, or a region such as GB-SCT
LISTED_RE = re.compile(r"[a-z]{2}(-[a-z]{3})?")  # as GET /flags/ lists them: cn, gb-sct
EVERY_CC = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase]
SOME_ERRORS = 1


@dataclass(frozen=True)
class Settings:
    """How to download: from where, how many requests at once, how long to wait for each."""

    base_url: str
    concur_req: int
    timeout: float
    verbose: bool


Downloader = Callable[[list[str], Settings, Counter[DownloadStatus]], None]


def country_code(text: str) -> str:
    cc = text.upper()
    if not CODE_RE.fullmatch(cc):
        raise argparse.ArgumentTypeError(f"{text!r} is not a country code like CN or GB-SCT")
    return cc


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {text!r}")
    return value


def server_url(text: str) -> str:
    """A label (LOCAL, DELAY, ERROR; any case) or an http(s) URL -> the base URL of the flags."""
    if text.upper() in SERVERS:
        return SERVERS[text.upper()]
    if text.startswith(("http://", "https://")):
        try:
            origin(text)
        except FlagsError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return text.rstrip("/")
    labels = ", ".join(SERVERS)
    raise argparse.ArgumentTypeError(f"unknown server {text!r}: use {labels} or an http(s) URL")


def build_parser(default_concur_req: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Download country flags. Default: the 20 most populous countries.",
        epilog=SERVERS_HELP.format_map(SERVERS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("cc", metavar="CC", nargs="*", type=country_code, help="country code")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("-a", "--all", action="store_true", help="every code the server has")
    which.add_argument("-e", "--every", action="store_true", help="every code from AA to ZZ")
    parser.add_argument(
        "-l", metavar="N", dest="limit", type=positive_int, help="only the first N codes"
    )
    parser.add_argument(
        "-m",
        metavar="CONCUR",
        dest="max_req",
        type=positive_int,
        default=default_concur_req,
        help=f"maximum concurrent requests (default: {default_concur_req})",
    )
    parser.add_argument(
        "-s",
        metavar="SERVER",
        dest="server",
        type=server_url,
        default=DEFAULT_SERVER,
        help=f"LOCAL, DELAY, ERROR (see below) or a URL (default: {DEFAULT_SERVER})",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=positive_float,
        default=TIMEOUT,
        help=f"give up on a request after that long (default: {TIMEOUT})",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print every outcome")
    return parser


def list_codes(base_url: str, timeout: float) -> list[str]:
    """The codes the server has (GET {base_url}/): only well-formed ones, never '../x'."""
    with httpx.Client() as client:
        resp = get_within(client, f"{base_url}/", timeout)
    resp.raise_for_status()
    listed = resp.text.split()
    bad = [code for code in listed if not LISTED_RE.fullmatch(code)]
    if bad:
        shown = ", ".join(repr(code[:20]) for code in bad[:3])
        print(
            f"Skipped {len(bad)} malformed code{plural(len(bad))} listed: {shown}", file=sys.stderr
        )
    return [code.upper() for code in listed if LISTED_RE.fullmatch(code)]


def check_and_list(base_url: str, timeout: float, want_list: bool) -> list[str]:
    """Check that the flag server is there, list its codes; exit with one line if not."""
    try:
        check_server(base_url, timeout)
        return list_codes(base_url, timeout) if want_list else []
    except httpx.TimeoutException:
        sys.exit(f"The server at {base_url} did not answer within {timeout:g} s")
    except httpx.TransportError:
        sys.exit(f"No flag server at {base_url}: start one with `python -m flagserver`")
    except httpx.HTTPStatusError as error:
        sys.exit(f"Cannot list the codes at {error.request.url}: HTTP {error.response.status_code}")
    except FlagsError as error:
        sys.exit(str(error))


def pick_codes(args: argparse.Namespace) -> list[str]:
    server_codes = check_and_list(args.server, args.timeout, want_list=args.all)
    if args.all:
        codes = server_codes
    elif args.every:
        codes = EVERY_CC
    else:
        codes = args.cc or POP20_CC
    return sorted(set(codes))[: args.limit]


def parse_args(default_concur_req: int) -> tuple[argparse.Namespace, list[str]]:
    parser = build_parser(default_concur_req)
    args = parser.parse_args()
    if args.cc and (args.all or args.every):
        parser.error("give country codes, or -a, or -e: not several")
    return args, pick_codes(args)


def describe(error: Exception) -> tuple[DownloadStatus, str]:
    """What a failed download means: NOT_FOUND for a 404, ERROR (and why) for the rest."""
    if isinstance(error, NotAFlag):
        return DownloadStatus.ERROR, str(error)
    if isinstance(error, httpx.HTTPStatusError):
        status = error.response.status_code
        if status == 404:
            return DownloadStatus.NOT_FOUND, ""
        return DownloadStatus.ERROR, f"HTTP {status} {error.response.text.strip()}"
    cause = error.__cause__
    if isinstance(error, httpx.ConnectTimeout) and cause and not isinstance(cause, TimeoutError):
        # httpx-aiohttp (flags2_asyncio.py) reports any lost connection as ConnectTimeout:
        # name what really happened, e.g. "ServerDisconnectedError Server disconnected"
        return DownloadStatus.ERROR, f"{type(cause).__name__} {cause}".strip()
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return DownloadStatus.ERROR, "timed out"
    return DownloadStatus.ERROR, f"{type(error).__name__} {error}".strip()


def report(cc: str, status: DownloadStatus, detail: str, verbose: bool) -> None:
    if verbose:  # the line and its newline in one write: threads must not interleave them
        line = f"{cc} {status.name}: {detail}" if detail else f"{cc} {status.name}"
        print(line + "\n", end="", flush=True)


def count_finished(
    done: Iterable[Future[DownloadStatus]], counter: Counter[DownloadStatus]
) -> None:
    """Count again from the futures: after Ctrl-C, some finished while nobody was looking."""
    counter.clear()
    finished = [future for future in done if not future.cancelled()]
    counter.update(future.result() for future in finished if future.exception() is None)


def progress_bar(total: int, verbose: bool) -> tqdm:
    """A tqdm bar on stderr; off with -v, where every outcome gets its own line instead."""
    return tqdm(total=total, disable=verbose)


def plural(count: int) -> str:
    return "" if count == 1 else "s"


def initial_report(cc_list: list[str], settings: Settings, label: str) -> None:
    print(f"Server {label}: {settings.base_url}")
    span = ", ".join(cc_list) if len(cc_list) <= 5 else f"{cc_list[0]} to {cc_list[-1]}"
    codes = f"{len(cc_list)} code{plural(len(cc_list))}"
    print(f"{codes}, {span}; up to {settings.concur_req} at a time")


def final_report(cc_list: list[str], counter: Counter[DownloadStatus], elapsed: float) -> None:
    done = counter.total()
    print("-" * 20)
    if done < len(cc_list):
        print(f"Interrupted: {done} of {len(cc_list)} requests finished")
    for status in DownloadStatus:
        print(f"{status.name:<10} {counter[status]:5}")
    print(f"{done} request{plural(done)} in {elapsed:.2f}s")


def main(download_many: Downloader, default_concur_req: int, max_concur_req: int) -> None:
    signal.signal(signal.SIGTERM, on_sigterm)  # SIGTERM stops a run as Ctrl-C does
    try:
        args, cc_list = parse_args(default_concur_req)  # asks the server: may take a while
    except KeyboardInterrupt as interrupt:
        print(f"{stopped_by(interrupt)} before the first download", file=sys.stderr)
        sys.exit(exit_status(interrupt))
    if not cc_list:
        sys.exit(f"No country codes to download: the server at {args.server} lists none")
    concur_req = min(args.max_req, max_concur_req, len(cc_list))
    settings = Settings(args.server, concur_req, args.timeout, args.verbose)
    label = next((name for name, url in SERVERS.items() if url == args.server), "URL")
    initial_report(cc_list, settings, label)
    counter: Counter[DownloadStatus] = Counter()  # filled as results arrive: Ctrl-C keeps it
    t0 = time.perf_counter()
    try:
        DEST_DIR.mkdir(exist_ok=True)
        download_many(cc_list, settings, counter)
    except KeyboardInterrupt as interrupt:  # Ctrl-C or SIGTERM: the downloads are stopped
        final_report(cc_list, counter, time.perf_counter() - t0)
        if isinstance(interrupt, Terminated):  # Ctrl-C is seen on the terminal: SIGTERM is not
            print(stopped_by(interrupt), file=sys.stderr)
        sys.exit(exit_status(interrupt))
    except OSError as error:  # a read-only or full disk: the other flags would fail too
        final_report(cc_list, counter, time.perf_counter() - t0)
        sys.exit(f"Cannot save the flags in {DEST_DIR}/: {error}")
    final_report(cc_list, counter, time.perf_counter() - t0)
    sys.exit(SOME_ERRORS if counter[DownloadStatus.ERROR] else 0)
