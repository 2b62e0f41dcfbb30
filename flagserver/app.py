"""The flag server's web app (starlette): country flags with chosen latency and faults.

Behaviour is chosen by path segments before /flags, so a BASE_URL alone selects a scenario:

    /flags/{cc}/{cc}.gif                      the flag of country cc (lower case), image/gif
    /flags/{cc}/{cc}.json                     {"code": "cn", "name": "China"}, application/json
    /delay/{seconds}/flags/...                every response under it waits that long (0-10 s)
    /errors/{rate}/flags/...                  that share of the codes fails with 503, chosen
                                              from the code: same code, same outcome, every run
    /trickle/{seconds}/flags/...              every body under it comes slowly: its first byte,
                                              then 10 pieces with a pause of `seconds` (0-10 s)
                                              before each; every read is quick, the whole
                                              response takes 10 x seconds
    /html/flags/...                           a "wrong server": 200 with an HTML page (text/html)
                                              where the flag or its JSON would be
    /hang/flags/...                           no answer: the request waits until the client
                                              gives up (or 60 s, then 503)
    /delay/0.5/errors/0.25/flags/...          several of them, in any order
    /flags/                                   the codes the server has, one per line
    /health                                   200 "flagserver ok"

Numbers are plain decimals only: 0.5 or 2, never 1e1, 1_0, ' 1' or non-ASCII digits. Bad
input gets a 4xx with a one-line plain-text reason (at most MAX_REASON characters, the input
quoted and cut). Flags are served from memory: a request path never reaches the file system.

POST and DELETE /owners/{pid} (from 127.0.0.1 only) register and unregister a process that
uses the server; start_server() does it, and the server stops once they have all exited
(see flagserver.cli). A process registers only itself: the request must come from a socket of
process {pid}, so no one can keep the server alive with another process's pid (pid 1, say).
"""

import asyncio
import hashlib
import json
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route, request_response

DATA_DIR = Path(__file__).resolve().parent / "data"
FLAGS_DIR = DATA_DIR / "flags"  # one GIF per code: cn.gif, br.gif, ...
COUNTRIES_FILE = DATA_DIR / "countries.json"  # {"cn": "China", ...}
MAX_DELAY = 10.0
MAX_TRICKLE = 10.0
TRICKLE_PIECES = 10
HANG_LIMIT = 60.0
MAX_REASON = 200  # characters in a 4xx/5xx reason, newline excluded
MAX_SHOWN = 40  # characters of the client's input quoted in a reason
CODE_RE = re.compile(r"[a-z]{2}(-[a-z]{3})?")
NUMBER_RE = re.compile(r"[0-9]+(\.[0-9]+)?")  # ASCII digits only: no 1e1, 1_0, ' 1', '١'
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}
HEALTH_TEXT = "flagserver ok"
USAGE = """\
Flag server for the course "Concurrency in Python".

GET /flags/{cc}/{cc}.gif                 a flag, e.g. /flags/cn/cn.gif
GET /flags/{cc}/{cc}.json                its country: {"code": "cn", "name": "China"}
GET /delay/{seconds}/flags/...           add latency (0-10 s) to every response under it
GET /errors/{rate}/flags/...             that share of codes (0-1) fails with 503, always the same
GET /trickle/{seconds}/flags/...         slow body: 1 byte, then 10 pieces `seconds` (0-10) apart
GET /html/flags/...                      a wrong server: 200 text/html instead of the flag
GET /hang/flags/...                      never answers (gives up after 60 s with a 503)
GET /delay/0.5/errors/0.25/flags/...     several at once, in any order
GET /flags/                              every code the server has, one per line
GET /health                              is the server up?

Numbers are plain decimals: 0.5, 2 (not 1e1, not -1).
"""
HTML_PAGE = """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Welcome to the network</title></head>
<body>
<h1>Please sign in to continue</h1>
<p>This page is not a flag. The flag server's /html/ scenario answers like a wrong server
(a captive portal, a proxy, a misconfigured URL): status 200, but Content-Type text/html.</p>
</body>
</html>
"""


class BadRequest(Exception):
    """A request we answer with a 4xx/5xx status and a one-line reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Owners(Protocol):
    """The processes a server started by start_server() serves (see flagserver.cli)."""

    watched: bool

    def add(self, pid: int) -> bool: ...

    def remove(self, pid: int) -> None: ...

    def made_by(self, pid: int, client: tuple[str, int]) -> bool: ...  # a socket of pid's?

    def __len__(self) -> int: ...


@dataclass
class Scenario:
    """What the path segments before /flags asked for."""

    delay: float = 0.0
    errors: float = 0.0
    trickle: float = 0.0
    html: bool = False
    hang: bool = False


class Stopping:
    """Set when the server shuts down: every pause of a request ends at once then."""

    def __init__(self) -> None:
        self.is_set = False
        self._waiters: set[asyncio.Future] = set()

    def set(self) -> None:
        self.is_set = True
        for waiter in list(self._waiters):
            waiter.get_loop().call_soon_threadsafe(_release, waiter)

    async def pause(self, seconds: float) -> bool:
        """Sleep `seconds`; False if the server began to stop meanwhile (or had already)."""
        if self.is_set:
            return False
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, seconds)
            return False
        except TimeoutError:
            return True
        finally:
            self._waiters.discard(waiter)


def _release(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)


def load_flags() -> dict[str, bytes]:
    """Read every flag into memory: {'cn': b'GIF89a...', ...}."""
    paths = sorted(FLAGS_DIR.glob("*.gif"), key=lambda path: path.stem)
    return {path.stem: path.read_bytes() for path in paths}


def load_countries() -> dict[str, str]:
    """Country names by code: {'cn': 'China', ...}."""
    return json.loads(COUNTRIES_FILE.read_text(encoding="utf-8"))


def failure_score(cc: str) -> float:
    """A number in [0, 1) fixed by the code alone: the code fails when it is below the rate."""
    digest = hashlib.sha256(cc.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def fails(cc: str, rate: float) -> bool:
    return failure_score(cc) < rate


def quote(text: str) -> str:
    """The client's input for a reason: quoted, cut to MAX_SHOWN characters, one line."""
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN] + "…"
    return repr(text)  # repr escapes CR, LF and every other unprintable character


def one_line(reason: str) -> str:
    """A reason as sent: no control character, at most MAX_REASON characters."""
    reason = CONTROL_RE.sub(lambda match: f"\\x{ord(match.group()):02x}", reason)
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"


def parse_number(text: str, what: str, low: float, high: float, unit: str = "") -> float:
    if not NUMBER_RE.fullmatch(text):
        raise BadRequest(
            400, f"{what} must be a plain number from {low:g} to {high:g}{unit}, got {quote(text)}"
        )
    value = float(text)
    if not (low <= value <= high):
        raise BadRequest(
            400, f"{what} must be between {low:g} and {high:g}{unit}, got {quote(text)}"
        )
    return value


def parse_delay(text: str) -> float:
    return parse_number(text, "delay", 0, MAX_DELAY, " s")


def parse_rate(text: str) -> float:
    return parse_number(text, "error rate", 0, 1)


def parse_trickle(text: str) -> float:
    return parse_number(text, "trickle pause", 0, MAX_TRICKLE, " s")


PARSERS = {"delay": parse_delay, "errors": parse_rate, "trickle": parse_trickle}
SWITCHES = {"html", "hang"}  # segments without a value


def parse_options(segments: list[str]) -> tuple[Scenario, list[str]]:
    """['delay', '0.5', 'flags', 'cn', 'cn.gif'] -> (Scenario(delay=0.5), ['flags', ...])."""
    scenario = Scenario()
    seen: set[str] = set()
    while segments and (segments[0] in PARSERS or segments[0] in SWITCHES):
        name, *segments = segments
        if name in seen:
            raise BadRequest(400, f"/{name}/ is given twice")
        seen.add(name)
        if name in SWITCHES:
            setattr(scenario, name, True)
            continue
        if not segments or not segments[0]:
            raise BadRequest(400, f"/{name}/ needs a value, e.g. /{name}/0.5/flags/...")
        value, *segments = segments
        setattr(scenario, name, PARSERS[name](value))
    return scenario, segments


def check_safe(path: str) -> None:
    """Refuse path traversal and odd characters outright (the data is never read by path)."""
    if ".." in path or "\\" in path or "\x00" in path:
        raise BadRequest(400, "path traversal is not allowed")


def flag_code(segments: list[str]) -> tuple[str, str]:
    """['flags', 'cn', 'cn.gif'] -> ('cn', 'gif'); anything else is a 404 with a hint."""
    if not segments or segments[0] != "flags":
        raise BadRequest(404, "not found: flags are at /flags/{cc}/{cc}.gif, e.g. /flags/cn/cn.gif")
    if len(segments) == 3:
        cc, name = segments[1], segments[2]
        for kind in ("gif", "json"):
            if name == f"{cc}.{kind}":
                if CODE_RE.fullmatch(cc):
                    return cc, kind
                if CODE_RE.fullmatch(cc.lower()):
                    raise BadRequest(
                        404,
                        f"flag codes are lower case: use /flags/{cc.lower()}/{cc.lower()}.{kind}",
                    )
    shown = quote("/" + "/".join(segments))
    raise BadRequest(404, f"malformed flag path {shown}: expected /flags/{{cc}}/{{cc}}.gif")


async def trickle_body(body: bytes, seconds: float, stopping: Stopping) -> AsyncIterator[bytes]:
    """The first byte at once, then TRICKLE_PIECES pieces, each after a pause of `seconds`."""
    yield body[:1]
    rest = body[1:]
    cuts = sorted({len(rest) * piece // TRICKLE_PIECES for piece in range(TRICKLE_PIECES + 1)})
    for start, end in zip(cuts, cuts[1:]):
        if not await stopping.pause(seconds):  # the server stops: the rest at once
            yield rest[start:]
            return
        yield rest[start:end]


async def wait_for_disconnect(request: Request) -> None:
    """Return once the client has closed the connection."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return
        await asyncio.sleep(0.05)  # more request body: unusual for a GET, never a busy loop


def create_app(owners: Owners | None = None, hang_limit: float = HANG_LIMIT) -> Starlette:
    """The ASGI app; every flag is loaded once, here.

    `owners`: the processes that use the server (POST/DELETE /owners/{pid}); without it
    those URLs are 404. `app.state.stopping.set()` ends every pending pause at once.
    """
    flags = load_flags()
    countries = load_countries()
    index = "".join(f"{cc}\n" for cc in flags)  # GET /flags/: every code, one per line
    stopping = Stopping()

    def answer(path: str) -> tuple[Response, Scenario]:
        scenario = Scenario()
        try:
            check_safe(path)
            scenario, rest = parse_options(path.strip("/").split("/"))
            if rest == ["flags"]:  # /flags/ lists the codes the server has, one per line
                return PlainTextResponse(index), scenario
            cc, kind = flag_code(rest)
            if fails(cc, scenario.errors):
                raise BadRequest(
                    503, f"injected error for {cc!r} (errors rate {scenario.errors:g})"
                )
            if cc not in flags:
                raise BadRequest(404, f"no flag for code {cc!r}")
            if scenario.html:
                return HTMLResponse(HTML_PAGE), scenario
            if kind == "json":
                if cc not in countries:
                    raise BadRequest(404, f"no country name for code {cc!r}")
                return JSONResponse({"code": cc, "name": countries[cc]}), scenario
            return Response(flags[cc], media_type="image/gif"), scenario
        except BadRequest as error:
            return reason(error.status, error.reason), scenario

    async def flag(request: Request) -> Response:
        response, scenario = answer(request.scope["path"])
        if scenario.delay:  # latency applies to every response under /delay, errors too
            await stopping.pause(scenario.delay)
        if scenario.hang:  # a hung server answers nothing: no flag, no error either
            response = await hang(request)
        response.headers["Cache-Control"] = "no-store"
        if scenario.trickle:
            body = trickle_body(response.body, scenario.trickle, stopping)
            return StreamingResponse(body, response.status_code, headers=dict(response.headers))
        return response

    async def hang(request: Request) -> Response:
        """Wait for the client to give up, the server to stop or `hang_limit` seconds."""
        waits = [
            asyncio.ensure_future(stopping.pause(hang_limit)),
            asyncio.ensure_future(wait_for_disconnect(request)),
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
            await asyncio.gather(*waits, return_exceptions=True)
        return reason(503, f"no answer for {hang_limit:g} s (/hang/): clients need a timeout")

    async def owner(request: Request) -> Response:
        if owners is None:
            return reason(404, "not found")
        if request.client is None or request.client.host not in LOOPBACK:
            return reason(403, "owners register from 127.0.0.1 only")
        text = request.path_params["pid"]
        if not re.fullmatch(r"[0-9]{1,10}", text):
            return reason(400, f"a pid is a number, got {quote(text)}")
        if stopping.is_set:
            return reason(503, "the server is stopping")
        peer = (request.client.host, request.client.port)
        if request.method != "GET" and not await asyncio.to_thread(owners.made_by, int(text), peer):
            return reason(403, f"process {int(text)} did not send this: a process registers itself")
        if request.method == "POST" and not owners.add(int(text)):
            return reason(404, f"no process {int(text)}")
        if request.method == "DELETE":
            owners.remove(int(text))
        answer = {"owners": len(owners), "watched": owners.watched, "pid": os.getpid()}
        return JSONResponse(answer)

    async def health(request: Request) -> Response:
        return PlainTextResponse(HEALTH_TEXT + "\n")

    async def usage(request: Request) -> Response:
        return PlainTextResponse(USAGE)

    routes = [
        Route("/", usage),
        Route("/health", health),
        Route("/owners/{pid}", owner, methods=["GET", "POST", "DELETE"]),
    ]
    app = Starlette(routes=routes)
    # Everything else, a path with a newline (%0a) too, which no route pattern matches.
    app.router.default = request_response(flag)
    app.state.stopping = stopping
    return app


def reason(status: int, text: str) -> Response:
    return PlainTextResponse(one_line(text) + "\n", status_code=status)
