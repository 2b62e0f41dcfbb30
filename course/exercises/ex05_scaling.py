"""Checks of notebook 05 (scaling): the limit ceil(N/C)·D and a bounded concurrent download."""

import contextvars
import inspect
import math
from collections.abc import Callable
from typing import Any

import httpx

from course.data import flag_gifs
from course.exercises.core import (
    DEADLINE,
    Late,
    NotYet,
    call_within,
    exercise,
    run_async,
    timed,
)
from flagserver import FlagServer

NOTEBOOK = "05_scaling"


@exercise(NOTEBOOK)
def limit_seconds(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """limit_seconds(n, concurrency, delay) -> ceil(n / concurrency) * delay, in seconds."""
    cases = [(1000, 100, 0.1), (1001, 100, 0.1), (20, 1000, 0.5), (1, 10, 0.2), (250, 100, 0.04)]
    for n, concurrency, delay in cases:
        waves = math.ceil(n / concurrency)
        expected = waves * delay
        got = call_within(DEADLINE, candidate, n, concurrency, delay, hint="does it loop forever?")
        call = f"limit_seconds({n}, {concurrency}, {delay:g})"
        if not isinstance(got, int | float):
            raise NotYet(f"{call} returned {got!r}, expected a number of seconds: {expected:g}")
        if math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12):
            continue
        if math.isclose(got, n / concurrency * delay, rel_tol=1e-9):
            hint = (
                f"the requests go in waves of {concurrency}, and a last, incomplete wave still "
                f"takes a whole delay: {waves} wave{'s' if waves > 1 else ''}, "
                "math.ceil(n / concurrency)"
            )
        else:
            hint = "count the waves, math.ceil(n / concurrency), each takes delay seconds"
        raise NotYet(f"{call} returned {got:g}, expected {expected:g}: {hint}")
    return "works: ceil(N/C) waves of requests, each as long as the server's delay"


FETCH_N, FETCH_CONCURRENCY, FETCH_DELAY = 40, 10, 0.15  # the limit: 4 waves, 0.6 s
FETCH_PASS = 2.5  # a bounded, concurrent answer takes at most this many times the limit
FETCH_GIVE_UP = 4.0  # the check cancels an answer after this many times the limit


# Which clients does an answer create? While fetch_all is checked, httpx.AsyncClient.__init__
# is wrapped to note each client made by code that runs in the check's context: the answer's
# coroutine, its tasks and its threads (asyncio copies the context into each). Counting the
# clients is simpler and surer than counting connections: a shared client may open up to
# `concurrency` connections, clients made per request open one each.
CLIENTS: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar("clients", default=None)


@exercise(NOTEBOOK)
def fetch_all(candidate: Callable[..., Any], server: FlagServer) -> str:
    """async fetch_all(base_url, codes, concurrency) -> [GIF bytes], near ceil(N/C) * D."""
    if not inspect.iscoroutinefunction(candidate):
        raise NotYet(f"{candidate.__name__} is a plain function: write it as `async def`")
    gifs = flag_gifs()
    codes = sorted(gifs)[:FETCH_N]
    n, concurrency, delay = FETCH_N, FETCH_CONCURRENCY, FETCH_DELAY
    limit = math.ceil(n / concurrency) * delay
    shown_limit = f"the limit ceil({n}/{concurrency}) x {delay:g} s = {limit:g} s"
    clients: list[Any] = []

    async def counting_clients(base_url: str, codes: list[str], concurrency: int) -> Any:
        CLIENTS.set(clients)
        return await candidate(base_url, codes, concurrency)

    counting_clients.__name__ = candidate.__name__
    original_init = httpx.AsyncClient.__init__

    def init(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        created = CLIENTS.get()
        if created is not None:
            created.append(self)
        original_init(self, *args, **kwargs)

    httpx.AsyncClient.__init__ = init  # type: ignore[method-assign]
    try:
        images, seconds = timed(
            run_async,
            counting_clients,
            server.url_for(delay=delay),
            list(codes),
            concurrency,
            deadline=limit * FETCH_GIVE_UP,
        )
    except Late:
        raise NotYet(
            f"{n} flags with concurrency={concurrency} were not all there after "
            f"{FETCH_GIVE_UP:g}x {shown_limit} (one by one they take {n * delay / limit:g}x): send "
            "the requests together, at most concurrency at a time (asyncio.Semaphore), through "
            "one shared httpx.AsyncClient"
        ) from None
    finally:
        httpx.AsyncClient.__init__ = original_init  # type: ignore[method-assign]
    if not isinstance(images, list | tuple) or len(images) != n:
        size = len(images) if isinstance(images, list | tuple) else type(images).__name__
        raise NotYet(
            f"returned {size}, expected a list of {n} GIFs (bytes), one per code, in the order "
            "of codes"
        )
    expected = [gifs[cc] for cc in codes]
    if list(images) != expected:
        if sorted(map(bytes, images)) == sorted(expected):
            raise NotYet(
                "the flags are right, but not in the order of codes: asyncio.gather returns "
                "the results in the order of its arguments"
            )
        wrong = next(cc for cc, image in zip(codes, images) if image != gifs[cc])
        raise NotYet(
            f"the item for {wrong!r} is not its GIF ({len(gifs[wrong])} bytes): "
            "return response.content of each flag"
        )
    if len(clients) > 1:
        raise NotYet(
            f"the flags are right, but {len(clients)} httpx.AsyncClient were made for {n} "
            "requests, and each opens connections of its own: make one, `async with "
            "httpx.AsyncClient() as client:`, and send every request through it"
        )
    ratio = seconds / limit
    if ratio < 0.9:
        raise NotYet(
            f"{n} flags came faster than {shown_limit}: more than concurrency={concurrency} "
            "requests were in flight at once; hold `async with semaphore:` around each request"
        )
    if ratio > FETCH_PASS:
        raise NotYet(
            f"{n} flags with concurrency={concurrency} took more than {FETCH_PASS:g}x "
            f"{shown_limit}: share one httpx.AsyncClient and keep concurrency requests in flight"
        )
    return (
        f"works: {n} flags in order, at most {concurrency} at a time, within {FETCH_PASS:g}x "
        "the limit ceil(N/C) x D"
    )
