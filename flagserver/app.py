"""The flag server's web app (starlette): country flags with chosen latency and errors.

Behaviour is chosen by path segments before /flags, so a BASE_URL alone selects a scenario:

    /flags/{cc}/{cc}.gif                      the flag of country cc (lower case), image/gif
    /delay/{seconds}/flags/...                every response under it waits that long (0-10 s)
    /errors/{rate}/flags/...                  that share of the codes fails with 503, chosen
                                              from the code: same code, same outcome, every run
    /delay/0.5/errors/0.25/flags/...          both (in either order)
    /flags/                                   the codes the server has, one per line
    /health                                   200 "flagserver ok"

Bad input gets a 4xx with a one-line plain-text reason. Flags are served from memory: a
request path never reaches the file system.
"""

import asyncio
import hashlib
import re
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

DATA_DIR = Path(__file__).resolve().parent / "data"
FLAGS_DIR = DATA_DIR / "flags"  # one GIF per code: cn.gif, br.gif, ...
MAX_DELAY = 10.0
CODE_RE = re.compile(r"[a-z]{2}(-[a-z]{3})?")
HEALTH_TEXT = "flagserver ok"
USAGE = """\
Flag server for the course "Concurrency in Python".

GET /flags/{cc}/{cc}.gif                 a flag, e.g. /flags/cn/cn.gif
GET /delay/{seconds}/flags/...           add latency (0-10 s) to every response under it
GET /errors/{rate}/flags/...             that share of codes (0-1) fails with 503, always the same
GET /delay/0.5/errors/0.25/flags/...     both
GET /flags/                              every code the server has, one per line
GET /health                              is the server up?
"""


class BadRequest(Exception):
    """A request we answer with a 4xx status and a one-line reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def load_flags() -> dict[str, bytes]:
    """Read every flag into memory: {'cn': b'GIF89a...', ...}."""
    paths = sorted(FLAGS_DIR.glob("*.gif"), key=lambda path: path.stem)
    return {path.stem: path.read_bytes() for path in paths}


def failure_score(cc: str) -> float:
    """A number in [0, 1) fixed by the code alone: the code fails when it is below the rate."""
    digest = hashlib.sha256(cc.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def fails(cc: str, rate: float) -> bool:
    return failure_score(cc) < rate


def parse_delay(text: str) -> float:
    try:
        delay = float(text)
    except ValueError:
        raise BadRequest(400, f"delay must be a number of seconds, got {text!r}") from None
    if not (0 <= delay <= MAX_DELAY):  # also rejects nan and inf
        raise BadRequest(400, f"delay must be between 0 and {MAX_DELAY:g} s, got {text!r}")
    return delay


def parse_rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise BadRequest(400, f"error rate must be a number from 0 to 1, got {text!r}") from None
    if not (0 <= rate <= 1):
        raise BadRequest(400, f"error rate must be between 0 and 1, got {text!r}")
    return rate


PARSERS = {"delay": parse_delay, "errors": parse_rate}


def parse_options(segments: list[str]) -> tuple[dict[str, float], list[str]]:
    """Split ['delay', '0.5', 'flags', 'cn', 'cn.gif'] into ({'delay': 0.5}, ['flags', ...])."""
    options: dict[str, float] = {}
    while segments and segments[0] in PARSERS:
        name, *segments = segments
        if name in options:
            raise BadRequest(400, f"/{name}/ is given twice")
        if not segments or not segments[0]:
            raise BadRequest(400, f"/{name}/ needs a value, e.g. /{name}/0.5/flags/...")
        value, *segments = segments
        options[name] = PARSERS[name](value)
    return options, segments


def check_safe(path: str) -> None:
    """Refuse path traversal and odd characters outright (the data is never read by path)."""
    if ".." in path or "\\" in path or "\x00" in path:
        raise BadRequest(400, "path traversal is not allowed")


def flag_code(segments: list[str]) -> str:
    """['flags', 'cn', 'cn.gif'] -> 'cn'; anything else is a 404 with a hint."""
    if not segments or segments[0] != "flags":
        raise BadRequest(404, "not found: flags are at /flags/{cc}/{cc}.gif, e.g. /flags/cn/cn.gif")
    if len(segments) == 3 and segments[2] == f"{segments[1]}.gif":
        cc = segments[1]
        if CODE_RE.fullmatch(cc):
            return cc
        if CODE_RE.fullmatch(cc.lower()):
            raise BadRequest(404, f"flag codes are lower case: use /flags/{cc.lower()}/...")
    shown = "/".join(segments)[:60]
    raise BadRequest(404, f"malformed flag path /{shown}: expected /flags/{{cc}}/{{cc}}.gif")


def create_app() -> Starlette:
    """The ASGI app; every flag is loaded once, here."""
    flags = load_flags()
    index = "".join(f"{cc}\n" for cc in flags)  # GET /flags/: every code, one per line

    async def flag(request: Request) -> Response:
        path = request.scope["path"]
        delay = 0.0
        try:
            check_safe(path)
            options, rest = parse_options(path.strip("/").split("/"))
            delay = options.get("delay", 0.0)
            if rest == ["flags"]:  # /flags/ lists the codes the server has, one per line
                return await respond(PlainTextResponse(index), delay)
            cc = flag_code(rest)
            rate = options.get("errors", 0.0)
            if fails(cc, rate):
                raise BadRequest(503, f"injected error for {cc!r} (errors rate {rate:g})")
            if cc not in flags:
                raise BadRequest(404, f"no flag for code {cc!r}")
            response: Response = Response(flags[cc], media_type="image/gif")
        except BadRequest as error:
            response = PlainTextResponse(error.reason + "\n", status_code=error.status)
        return await respond(response, delay)

    async def respond(response: Response, delay: float) -> Response:
        if delay:  # latency applies to every response under /delay, errors too
            await asyncio.sleep(delay)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def health(request: Request) -> Response:
        return PlainTextResponse(HEALTH_TEXT + "\n")

    async def usage(request: Request) -> Response:
        return PlainTextResponse(USAGE)

    routes = [
        Route("/", usage),
        Route("/health", health),
        Route("/{path:path}", flag),
    ]
    return Starlette(routes=routes)
