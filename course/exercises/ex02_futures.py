"""Checks of notebook 02 (concurrent.futures): finishing order, timeouts, a bounded pool."""

from collections.abc import Callable
from typing import Any

import httpx

from course.data import flag_gifs
from course.exercises.core import (
    DEADLINE,
    ROUNDS_CODES,
    ROUNDS_LATENCY,
    WAITS,
    NotYet,
    call_within,
    check_rounds,
    exercise,
    timed,
)
from flagserver import FlagServer

NOTEBOOK = "02_futures"


@exercise(NOTEBOOK)
def finishing_order(candidate: Callable[..., Any], server: FlagServer) -> str:
    """finishing_order({code: base_url}) -> the codes in the order their downloads finished."""
    for delays in ({"cn": 0.7, "br": 0.1, "fr": 0.4}, {"jp": 0.1, "de": 0.6, "in": 0.35}):
        jobs = {cc: server.url_for(delay=delay) for cc, delay in delays.items()}
        order = call_within(DEADLINE, candidate, jobs, hint=WAITS)
        expected = sorted(delays, key=delays.get)
        if not isinstance(order, list | tuple):
            raise NotYet(f"returned {order!r}, expected a list of codes like {expected}")
        if list(order) == list(delays) and list(order) != expected:
            raise NotYet(
                f"returned {list(order)}, the order of the input, but the downloads finished "
                f"as {expected}: take the futures from futures.as_completed"
            )
        if list(order) != expected:
            raise NotYet(f"returned {list(order)}, but the downloads finished as {expected}")
    return "works: the fastest download comes first, whatever the order of the input"


@exercise(NOTEBOOK)
def download_with_timeout(candidate: Callable[..., Any], server: FlagServer) -> str:
    """download_with_timeout(base_url, cc, seconds) -> the GIF's bytes, or None if too slow."""
    gif = flag_gifs()["cn"]
    image = call_within(DEADLINE, candidate, server.url, "cn", 2.0, hint=WAITS)
    if image != gif:
        shown = "None" if image is None else f"{type(image).__name__}"
        raise NotYet(
            f"returned {shown} for 'cn' from the fast server, expected its {len(gif)} bytes "
            "(did you return response.content?)"
        )
    slow, latency, allowed = server.url_for(delay=1.5), 1.5, 0.2
    try:
        image, seconds = timed(call_within, DEADLINE, candidate, slow, "br", allowed, hint=WAITS)
    except (httpx.TimeoutException, TimeoutError) as error:
        raise NotYet(
            f"the timeout escaped as {type(error).__name__}: catch it and return None"
        ) from None
    if image is not None:
        raise NotYet(
            f"returned the flag of 'br' from a server that answers after {latency:g} s although "
            f"you were allowed {allowed:g} s; expected None: pass timeout=seconds to httpx.get "
            "and catch httpx.TimeoutException"
        )
    if seconds > latency * 0.9:
        raise NotYet(f"returned None, but only after waiting out the whole {latency:g} s delay")
    return "works: the flag when the server is quick, None (soon) when it is slow"


@exercise(NOTEBOOK)
def download_bounded(candidate: Callable[..., Any], server: FlagServer) -> str:
    """download_bounded(base_url, codes, max_workers) -> codes in finishing order, N at a time."""
    base_url = server.url_for(delay=ROUNDS_LATENCY)
    codes, seconds = timed(
        call_within, DEADLINE, candidate, base_url, list(ROUNDS_CODES), 2, hint=WAITS
    )
    check_rounds(codes, seconds, "max_workers", "pass max_workers to the ThreadPoolExecutor")
    return "works: all 4 flags, 2 requests at a time, in 2 rounds"
