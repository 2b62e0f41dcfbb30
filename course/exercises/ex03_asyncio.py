"""Checks of notebook 03 (asyncio): timeouts, a semaphore, a TaskGroup. Answers are `async def`."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from course.exercises.core import (
    ROUNDS_CODES,
    ROUNDS_LATENCY,
    NotYet,
    check_rounds,
    check_sizes,
    exercise,
    run_async,
    timed,
)
from flagserver import FlagServer

NOTEBOOK = "03_asyncio"


@exercise(NOTEBOOK)
def status_with_timeout(candidate: Callable[..., Any], server: FlagServer) -> str:
    """async status_with_timeout(base_url, cc, seconds) -> 'ok' or 'timeout', never raises."""
    status = run_async(candidate, server.url, "cn", 2.0)
    if status != "ok":
        raise NotYet(f"вернула {status!r} для 'cn' с быстрого сервера, а должно быть 'ok'")
    slow, latency, allowed = server.url_for(delay=1.5), 1.5, 0.2
    try:
        status, seconds = timed(run_async, candidate, slow, "br", allowed)
    except TimeoutError:
        raise NotYet(
            "TimeoutError вылетел наружу: поймайте его (except TimeoutError:) и верните 'timeout'"
        ) from None
    if status != "timeout":
        raise NotYet(
            f"вернула {status!r} для 'br' с сервера, который отвечает через {latency:g} с, хотя "
            f"вам дано {allowed:g} с; должно быть 'timeout': оберните запрос в "
            "`async with asyncio.timeout(seconds):`"
        )
    if seconds > latency * 0.9:
        raise NotYet(f"вернула 'timeout', но только дождавшись всей задержки в {latency:g} с")
    return "работает: 'ok', когда сервер быстрый, и 'timeout' (быстро), когда он медленный"


@exercise(NOTEBOOK)
def download_limited(candidate: Callable[..., Any], server: FlagServer) -> str:
    """async download_limited(base_url, codes, limit) -> codes, at most `limit` in flight."""
    base_url = server.url_for(delay=ROUNDS_LATENCY)
    codes, seconds = timed(run_async, candidate, base_url, list(ROUNDS_CODES), 2)
    check_rounds(codes, seconds, "limit", "держите `async with semaphore:` вокруг каждого запроса")
    return "работает: все 4 флага, по 2 запроса сразу, в 2 волны"


@contextmanager
def counting_async_clients() -> Iterator[list[httpx.AsyncClient]]:
    """Every httpx.AsyncClient built inside the block, in order (the class is patched meanwhile)."""
    built: list[httpx.AsyncClient] = []
    real_init = httpx.AsyncClient.__init__

    def init(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        real_init(self, *args, **kwargs)

    httpx.AsyncClient.__init__ = init  # type: ignore[method-assign]
    try:
        yield built
    finally:
        httpx.AsyncClient.__init__ = real_init  # type: ignore[method-assign]


@exercise(NOTEBOOK)
def flag_sizes_at_once(candidate: Callable[..., Any], server: FlagServer) -> str:
    """async flag_sizes_at_once(base_url, codes) -> {code: size}, all requests at once."""
    codes, latency = ["cn", "br", "fr", "jp", "de"], 0.4
    with counting_async_clients() as clients:
        sizes, seconds = timed(run_async, candidate, server.url_for(delay=latency), list(codes))
    check_sizes(sizes, codes)
    if len(clients) > 1:
        raise NotYet(
            f"размеры верные, но клиентов httpx.AsyncClient было {len(clients)}: создайте один "
            "`async with httpx.AsyncClient() as client:` и передавайте его каждой задаче — "
            "один пул соединений на все запросы"
        )
    if seconds > latency * 3:
        raise NotYet(
            f"размеры верные, но {len(codes)} запросов шли один за другим: создайте задачу на "
            "каждый код через tg.create_task в `async with asyncio.TaskGroup() as tg:`"
        )
    return "работает: размеры 5 флагов, скачанных одновременно"
