"""Checks of notebook 00 (start here): the first requests to the flag server."""

from collections.abc import Callable
from typing import Any

import httpx

from course.data import COURSE_CODES
from course.exercises.core import (
    DEADLINE,
    WAITS,
    NotYet,
    call_within,
    check_sizes,
    exercise,
    root_of,
    timed_get,
)
from flagserver import FlagServer, fails

NOTEBOOK = "00_start_here"


@exercise(NOTEBOOK)
def flag_sizes(candidate: Callable[..., Any], server: FlagServer) -> str:
    """flag_sizes(base_url, codes) -> {code: size of its GIF in bytes}."""
    for codes in (["cn", "br", "fr"], ["jp", "de"]):
        check_sizes(call_within(DEADLINE, candidate, server.url, list(codes), hint=WAITS), codes)
    return "работает: размеры cn, br, fr, jp, de совпадают с GIF сервера"


@exercise(NOTEBOOK)
def scenario_url(candidate: Callable[..., Any], server: FlagServer) -> str:
    """scenario_url(root, delay=0, errors=0) -> base URL of the flags in that scenario."""
    root = root_of(server)
    failing = next(cc for cc in COURSE_CODES if fails(cc, 0.5))
    passing = next(cc for cc in COURSE_CODES if not fails(cc, 0.5))
    cases = [  # (arguments, code to fetch, status expected, least seconds it must take)
        ({}, "cn", 200, 0.0),
        ({"errors": 1}, "cn", 503, 0.0),
        ({"delay": 0.3}, "cn", 200, 0.3),
        ({"delay": 0.3, "errors": 1}, "cn", 503, 0.3),
        ({"errors": 0.5}, failing, 503, 0.0),
        ({"errors": 0.5}, passing, 200, 0.0),
    ]
    for kwargs, cc, status, least in cases:
        call = f"scenario_url(root{''.join(f', {k}={v}' for k, v in kwargs.items())})"
        url = call_within(DEADLINE, candidate, root, hint=WAITS, **kwargs)
        if not isinstance(url, str) or not url.startswith(root):
            raise NotYet(f"{call} вернула {url!r}, а нужен URL, который начинается с root")
        shown = "root + " + repr(url.removeprefix(root))
        got, seconds = timed_get(f"{url}/{cc}/{cc}.gif")
        if got != status:
            raise NotYet(f"{call} дала {shown}: {cc}.gif ответил {got}, а должен {status}")
        if seconds < least:
            raise NotYet(f"{call} дала {shown}: ответ пришёл без задержки {least:g} с")
    return "работает: без сценария, delay, errors и оба вместе дают сценарии сервера"


@exercise(NOTEBOOK)
def split_ok_failed(candidate: Callable[..., Any], server: FlagServer) -> str:
    """split_ok_failed(base_url, codes) -> (codes downloaded, codes that failed), in order."""
    for rate, codes in ((0.5, COURSE_CODES), (0.25, COURSE_CODES[::-1])):
        expected = (
            [cc for cc in codes if not fails(cc, rate)],
            [cc for cc in codes if fails(cc, rate)],
        )
        try:
            result = call_within(
                DEADLINE, candidate, server.url_for(errors=rate), list(codes), hint=WAITS
            )
        except httpx.HTTPStatusError as error:
            code = error.request.url.path.rsplit("/", 1)[-1].removesuffix(".gif")
            raise NotYet(
                f"ответ {error.response.status_code} для {code!r} остановил цикл "
                "(HTTPStatusError): положите этот код в `failed` и идите дальше"
            ) from None
        if not (isinstance(result, tuple | list) and len(result) == 2):
            raise NotYet(f"вернула {result!r}, а нужна пара (ok, failed)")
        ok, failed = (list(part) for part in result)
        if (ok, failed) != expected:
            raise NotYet(
                f"при /errors/{rate:g}: failed={failed}, а должно быть {expected[1]} "
                "(оба списка — в порядке кодов)"
            )
    return "работает: каждый код либо скачан, либо назван в failed, и цикл идёт дальше"
