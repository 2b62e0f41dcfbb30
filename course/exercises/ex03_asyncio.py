"""Checks of notebook 03 (asyncio): timeouts, a semaphore, a TaskGroup. Answers are `async def`."""

from collections.abc import Callable
from typing import Any

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
        raise NotYet(f"returned {status!r} for 'cn' from the fast server, expected 'ok'")
    slow, latency, allowed = server.url_for(delay=1.5), 1.5, 0.2
    try:
        status, seconds = timed(run_async, candidate, slow, "br", allowed)
    except TimeoutError:
        raise NotYet(
            "the TimeoutError escaped: catch it (except TimeoutError:) and return 'timeout'"
        ) from None
    if status != "timeout":
        raise NotYet(
            f"returned {status!r} for 'br' from a server that answers after {latency:g} s "
            f"although you were allowed {allowed:g} s; expected 'timeout': wrap the request in "
            "`async with asyncio.timeout(seconds):`"
        )
    if seconds > latency * 0.9:
        raise NotYet(f"returned 'timeout', but only after waiting out the whole {latency:g} s")
    return "works: 'ok' when the server is quick, 'timeout' (soon) when it is slow"


@exercise(NOTEBOOK)
def download_limited(candidate: Callable[..., Any], server: FlagServer) -> str:
    """async download_limited(base_url, codes, limit) -> codes, at most `limit` in flight."""
    base_url = server.url_for(delay=ROUNDS_LATENCY)
    codes, seconds = timed(run_async, candidate, base_url, list(ROUNDS_CODES), 2)
    check_rounds(codes, seconds, "limit", "hold `async with semaphore:` around each request")
    return "works: all 4 flags, 2 requests at a time, in 2 rounds"


@exercise(NOTEBOOK)
def flag_sizes_at_once(candidate: Callable[..., Any], server: FlagServer) -> str:
    """async flag_sizes_at_once(base_url, codes) -> {code: size}, all requests at once."""
    codes, latency = ["cn", "br", "fr", "jp", "de"], 0.4
    sizes, seconds = timed(run_async, candidate, server.url_for(delay=latency), list(codes))
    check_sizes(sizes, codes)
    if seconds > latency * 3:
        raise NotYet(
            f"the sizes are right, but the {len(codes)} requests ran one after another: create "
            "a task per code with tg.create_task in `async with asyncio.TaskGroup() as tg:`"
        )
    return "works: the sizes of 5 flags, downloaded at the same time"
