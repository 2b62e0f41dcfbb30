"""Checks of notebook 02 (concurrent.futures): finishing order, timeouts, errors kept in futures."""

from collections.abc import Callable
from typing import Any

import httpx

from course.data import flag_gifs
from course.exercises.core import DEADLINE, WAITS, NotYet, call_within, exercise, timed
from flagserver import FlagServer, fails

NOTEBOOK = "02_futures"

FAILURES_CODES = ["bd", "br", "cd", "cn", "ir", "jp"]  # at ERROR_RATE the server fails cd, ir
ERROR_RATE = 0.25
FAILURES_LATENCY = 0.4  # seconds: all at once about 0.4 s, one after another 2.4 s


@exercise(NOTEBOOK)
def finishing_order(candidate: Callable[..., Any], server: FlagServer) -> str:
    """finishing_order({code: base_url}) -> the codes in the order their downloads finished."""
    for delays in ({"cn": 0.7, "br": 0.1, "fr": 0.4}, {"jp": 0.1, "de": 0.6, "in": 0.35}):
        jobs = {cc: server.url_for(delay=delay) for cc, delay in delays.items()}
        order = call_within(DEADLINE, candidate, jobs, hint=WAITS)
        expected = sorted(delays, key=delays.get)
        if not isinstance(order, list | tuple):
            raise NotYet(f"вернула {order!r}, а нужен список кодов, например {expected}")
        if list(order) == list(delays) and list(order) != expected:
            raise NotYet(
                f"вернула {list(order)} — порядок входа, а загрузки завершились так: "
                f"{expected}; берите фьючерсы из futures.as_completed"
            )
        if list(order) != expected:
            raise NotYet(f"вернула {list(order)}, а загрузки завершились так: {expected}")
    return "работает: самая быстрая загрузка первая, в каком бы порядке ни шли коды"


@exercise(NOTEBOOK)
def download_with_timeout(candidate: Callable[..., Any], server: FlagServer) -> str:
    """download_with_timeout(base_url, cc, seconds) -> the GIF's bytes, or None if too slow."""
    gif = flag_gifs()["cn"]
    image = call_within(DEADLINE, candidate, server.url, "cn", 2.0, hint=WAITS)
    if image != gif:
        shown = "None" if image is None else f"{type(image).__name__}"
        raise NotYet(
            f"вернула {shown} для 'cn' с быстрого сервера, а нужны его {len(gif)} байт "
            "(вы вернули response.content?)"
        )
    slow, latency, allowed = server.url_for(delay=1.5), 1.5, 0.2
    try:
        image, seconds = timed(call_within, DEADLINE, candidate, slow, "br", allowed, hint=WAITS)
    except (httpx.TimeoutException, TimeoutError) as error:
        raise NotYet(
            f"тайм-аут вылетел наружу как {type(error).__name__}: поймайте его и верните None"
        ) from None
    if image is not None:
        raise NotYet(
            f"вернула флаг 'br' с сервера, который отвечает через {latency:g} с, хотя вам дано "
            f"{allowed:g} с; должно быть None: передайте timeout=seconds в httpx.get и поймайте "
            "httpx.TimeoutException"
        )
    if seconds > latency * 0.9:
        raise NotYet(f"вернула None, но только дождавшись всей задержки в {latency:g} с")
    return "работает: флаг, когда сервер быстрый, и None (быстро), когда он медленный"


@exercise(NOTEBOOK)
def downloaded_and_failed(candidate: Callable[..., Any], server: FlagServer) -> str:
    """downloaded_and_failed(base_url, codes) -> (codes downloaded, codes that failed)."""
    codes, latency = list(FAILURES_CODES), FAILURES_LATENCY
    failing = sorted(cc for cc in codes if fails(cc, ERROR_RATE))
    good = sorted(set(codes) - set(failing))
    base_url = server.url_for(delay=latency, errors=ERROR_RATE)
    try:
        answer, seconds = timed(call_within, DEADLINE, candidate, base_url, codes, hint=WAITS)
    except httpx.HTTPStatusError as error:
        raise NotYet(
            f"выбросила HTTPStatusError {error.response.status_code} первого упавшего флага, и "
            "остальные результаты пропали: спросите у каждого фьючерса future.exception()"
        ) from None
    if not (isinstance(answer, list | tuple) and len(answer) == 2):
        raise NotYet(f"вернула {answer!r}, а нужна пара списков: (скачанные, упавшие)")
    ok, failed = (sorted(part) for part in answer)
    if ok == sorted(codes):
        raise NotYet(
            f"все коды попали в скачанные, но на {failing} сервер ответил 503: вызовите "
            "raise_for_status() в потоке пула — тогда ошибка сохранится во фьючерсе"
        )
    if (ok, failed) != (good, failing):
        raise NotYet(
            f"вернула скачанные {ok} и упавшие {failed}, а должно быть {good} и {failing} "
            "(в любом порядке)"
        )
    if seconds > latency * 3:
        raise NotYet(
            f"ответ верный, но {len(codes)} запросов шли один за другим ({seconds:.1f} с): "
            "отдайте каждый пулу через pool.submit"
        )
    return "работает: 4 флага скачаны, 2 упавших кода названы, все запросы шли одновременно"
