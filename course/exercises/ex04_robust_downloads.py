"""Checks of notebook 04 (robust downloads): outcomes, retries, a deadline for the whole
request, files whole or not at all."""

import asyncio
import functools
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from course.data import flag_gifs
from course.exercises.core import (
    DEADLINE,
    TIMEOUT,
    WAITS,
    Late,
    NotYet,
    call_within,
    exercise,
    run_async,
    timed,
)
from flagserver import FlagServer, free_port

NOTEBOOK = "04_robust_downloads"


OUTCOMES = ("OK", "NOT_FOUND", "ERROR")


def outcome_name(result: Any) -> Any:
    """'OK' for 'OK' and for DownloadStatus.OK alike: answers may return either."""
    return getattr(result, "name", result)


def refused_url() -> str:
    """The base URL of a port nobody listens on: connecting there is refused."""
    return f"http://127.0.0.1:{free_port()}/flags"


@exercise(NOTEBOOK)
def download_status(candidate: Callable[..., Any], server: FlagServer) -> str:
    """download_status(base_url, cc, timeout) -> 'OK', 'NOT_FOUND' or 'ERROR'; never raises."""
    latency, allowed = 1.5, 0.2
    cases = [
        (server.url_for(errors=0.25), "br", 2.0, "OK", "флаг есть на сервере: 200"),
        (server.url, "xx", 2.0, "NOT_FOUND", "флага нет на сервере: 404"),
        (server.url_for(errors=0.25), "cd", 2.0, "ERROR", "код, который всегда получает 503"),
        (
            server.url_for(delay=latency),
            "jp",
            allowed,
            "ERROR",
            f"сервер отвечает через {latency:g} с, а timeout={allowed:g}",
        ),
        (refused_url(), "fr", 2.0, "ERROR", "сервер не запущен: соединение отвергнуто"),
    ]
    for base_url, cc, timeout, expected, what in cases:
        try:
            result, seconds = timed(
                call_within, DEADLINE, candidate, base_url, cc, timeout, hint=WAITS
            )
        except httpx.HTTPError as error:
            raise NotYet(
                f"для {cc!r} ({what}) вылетело {type(error).__name__}: ловите httpx.HTTPError "
                f"(предок ошибок статуса, тайм-аута и соединения) и возвращайте {expected!r}"
            ) from None
        if outcome_name(result) not in OUTCOMES:
            raise NotYet(f"вернула {result!r} для {cc!r}, а нужно одно из {', '.join(OUTCOMES)}")
        if outcome_name(result) != expected:
            hint = ""
            if expected == "NOT_FOUND":
                hint = ": нет флага — не сбой (error.response.status_code)"
            elif outcome_name(result) == "NOT_FOUND":
                hint = ": NOT_FOUND — только для 404"
            elif timeout == allowed:
                hint = ": передайте timeout=timeout в httpx.get, чтобы она сдавалась вовремя"
            raise NotYet(f"вернула {result!r} для {cc!r} ({what}), а нужно {expected!r}{hint}")
        if timeout == allowed and seconds > latency * 0.9:
            raise NotYet(
                f"вернула 'ERROR', только переждав всю задержку {latency:g} с: "
                "передайте timeout=timeout в httpx.get"
            )
    return "работает: у 200, 404, 503, тайм-аута и отказа в соединении — каждому свой исход"


RETRY_BACKOFF = 0.1  # seconds: the pauses between 4 tries are 0.1, 0.2 and 0.4 s
PAUSE_SLACK = 1.25  # a pause may take this many times as long, and backoff/2 more
RETRY_LIMIT = 5.0  # seconds one call may take (it needs about 0.7 s)


@exercise(NOTEBOOK)
def get_flag_retrying(candidate: Callable[..., Any], server: FlagServer) -> str:
    """get_flag_retrying(client, base_url, cc, attempts, backoff) -> the GIF's bytes, or None.

    A 5xx is tried again, up to `attempts` tries in all, pausing backoff, 2*backoff, 4*backoff...
    between them; a 404 is final. The check counts the requests the client really sends.
    """
    gifs, base_url = flag_gifs(), server.url_for(errors=0.25)
    attempts, backoff = 4, RETRY_BACKOFF
    pauses = [backoff * 2**n for n in range(attempts - 1)]  # 0.1, 0.2, 0.4 s
    clients: list[httpx.Client] = []

    def ask(cc: str) -> tuple[Any, list[float], list[float], float]:
        """(the answer for cc, when each request was sent, when each answer came, when it
        returned), as the client itself saw them."""
        sent: list[float] = []
        came: list[float] = []
        hooks = {
            "request": [lambda request: sent.append(time.perf_counter())],
            "response": [lambda response: came.append(time.perf_counter())],
        }
        with httpx.Client(timeout=TIMEOUT, event_hooks=hooks) as client:
            clients.append(client)
            try:
                answer = candidate(client, base_url, cc, attempts, backoff)
                return answer, sent, came, time.perf_counter()
            except httpx.HTTPStatusError as error:
                code, tries = error.response.status_code, len(sent)
                raise NotYet(
                    f"{code} для {cc!r} вылетел как HTTPStatusError после запросов: {tries}; "
                    + (
                        "нет флага — это навсегда: сразу верните None, без повторов"
                        if code == 404
                        else "после последней попытки сдайтесь тихо: верните None"
                        if tries >= attempts
                        else f"повторите 5xx (всего попыток {attempts}), потом верните None"
                    )
                ) from None

    def call(cc: str) -> tuple[Any, list[float], list[float], float]:
        hint = f"не повторяет ли она 5xx бесконечно? сдайтесь после {attempts} попыток"
        try:
            return call_within(RETRY_LIMIT, ask, cc, hint=hint)
        finally:  # an answer still retrying gets an error from its closed client: it stops
            for client in clients:
                client.close()

    image, sent, _, _ = call("br")
    if image != gifs["br"]:
        raise NotYet(f"вернула {type(image).__name__} для 'br' (200), а нужны байты его GIF")
    if len(sent) != 1:
        raise NotYet(
            f"запросов 'br': {len(sent)}, а первый же ответ был 200: на нём и остановитесь"
        )
    image, sent, came, returned = call("cd")
    if image is not None:
        raise NotYet(f"вернула {image!r} для 'cd', который всегда получает 503; нужно None")
    if len(sent) != attempts:
        raise NotYet(
            f"запросов 'cd' (503): {len(sent)} при attempts={attempts}; нужно ровно "
            f"{attempts} попытки, потом сдаться"
        )
    waited = [later - earlier for earlier, later in zip(came, sent[1:])]  # answer to next try
    if not all(
        pause * 0.9 <= gap <= pause * PAUSE_SLACK + backoff / 2
        for gap, pause in zip(waited, pauses)
    ):
        shown = ", ".join(f"{pause:g}" for pause in pauses)
        measured = ", ".join(f"{gap:.2g}" for gap in waited)
        raise NotYet(
            f"при backoff={backoff:g} паузы между {attempts} попытками были "
            f"{measured} с, а нужно backoff, 2*backoff, 4*backoff ({shown} с): "
            "time.sleep(backoff * 2**n) после неудачной попытки n"
        )
    tail = returned - came[-1]
    if tail > backoff / 2:
        raise NotYet(
            f"после последней ({attempts}-й) попытки она ещё ждала {tail:.2g} с, прежде чем "
            "вернуть None: за последней попыткой ничего не следует, сдавайтесь сразу"
        )
    image, sent, _, _ = call("xx")
    if image is not None or len(sent) != 1:
        raise NotYet(
            f"запросов 'xx' (404): {len(sent)}, вернула {image!r}; флаг не появится от "
            "повтора: верните None после 1 запроса (повторяйте, только если "
            "response.is_server_error)"
        )
    return f"работает: 200 — раз, 503 — {attempts} раза с растущими паузами и None, 404 — раз"


CHUNK_SIZE = 200  # bytes in each piece of a flag that save_streamed gets
BROKEN_AFTER = 2  # pieces that arrive before the simulated connection loss


def flag_chunks(image: bytes, broken: bool) -> Any:
    """The GIF in CHUNK_SIZE pieces, as response.iter_bytes() gives them; broken: cut short."""
    for n, start in enumerate(range(0, len(image), CHUNK_SIZE)):
        if broken and n == BROKEN_AFTER:
            raise httpx.ReadError("соединение оборвалось посреди загрузки")
        yield image[start : start + CHUNK_SIZE]


@exercise(NOTEBOOK)
def save_streamed(candidate: Callable[..., Any], server: FlagServer) -> str:
    """save_streamed(chunks, path): the file is whole or absent, never half-written."""
    gifs = flag_gifs()
    new, old = gifs["cn"], gifs["br"]
    with tempfile.TemporaryDirectory(prefix="save-streamed-") as folder:
        path = Path(folder) / "cn.gif"

        def others() -> list[str]:
            return sorted(item.name for item in Path(folder).iterdir() if item != path)

        call_within(DEADLINE, candidate, flag_chunks(new, broken=False), path, hint=WAITS)
        if not path.exists() or path.read_bytes() != new:
            got = f"{path.stat().st_size} байт" if path.exists() else "нет файла"
            raise NotYet(f"после полной загрузки {len(new)} байт по пути path: {got}")
        if others():
            raise NotYet(
                f"после полной загрузки в папке ещё и {others()}: переименуйте "
                "временный файл в path (tmp.replace(path))"
            )
        path.unlink()
        for before in (None, old):  # nothing at path yet; an older flag at path
            if before is not None:
                path.write_bytes(before)
            try:
                call_within(DEADLINE, candidate, flag_chunks(new, broken=True), path, hint=WAITS)
            except httpx.ReadError:
                escaped = True
            else:
                escaped = False
            arrived = BROKEN_AFTER * CHUNK_SIZE
            if before is None and path.exists():
                raise NotYet(
                    f"загрузка, оборванная после {arrived} из {len(new)} байт, оставила в path "
                    f"{path.stat().st_size} байт: недописанный флаг. Пишите во временное имя "
                    "и переименовывайте в path, только когда записаны все куски"
                )
            if before is not None and (not path.exists() or path.read_bytes() != before):
                raise NotYet(
                    "оборванная загрузка испортила флаг, который уже лежал в path: не трогайте "
                    "его, пока новый не готов, потом подмените одним переименованием"
                )
            if others():
                raise NotYet(
                    f"оборванная загрузка оставила в папке {others()}: удаляйте временный файл, "
                    "если запись сорвалась (try/finally: tmp.unlink(missing_ok=True))"
                )
            if not escaped:
                raise NotYet(
                    "ReadError оборванной загрузки не дошёл до вызывающего: пропустите его "
                    "дальше, чтобы тот посчитал ERROR"
                )
    return "работает: флаг целиком или никакого (старый остаётся), и без временных файлов"


TRICKLE_PAUSE = 0.2  # seconds before each of the 10 pieces of the body: the whole takes 2 s
WHOLE_DEADLINE = 0.5  # seconds the answer may take for the whole request
LATE_SLACK = 0.5  # seconds an answer may take past its deadline to give up and return
SLOW_LATENCY, SLOW_DEADLINE = 1.0, 0.3  # a server that is silent for 1 s, a deadline of 0.3 s
CANCEL_AFTER, CANCEL_LATENCY = 0.3, 2.0  # cancelled from outside 0.3 s into a 2 s wait
PER_PHASE = (
    "тайм-ауты httpx — на каждую фазу (каждое чтение здесь быстрое); срок на весь запрос "
    "ставит async with asyncio.timeout(seconds)"
)


async def cancelled_from_outside(
    candidate: Callable[..., Any], base_url: str, cc: str, seconds: float
) -> str:
    """Cancel the answer CANCEL_AFTER s in, as Ctrl-C or a TaskGroup would: 'cancelled' if the
    CancelledError came out of it, else what it returned instead."""
    task = asyncio.ensure_future(candidate(base_url, cc, seconds))
    await asyncio.sleep(CANCEL_AFTER)
    task.cancel()
    try:
        result = await task
    except asyncio.CancelledError:
        return "cancelled"
    return f"вернула {'None' if result is None else type(result).__name__}"


@exercise(NOTEBOOK)
def flag_within(candidate: Callable[..., Any], server: FlagServer) -> str:
    """async flag_within(base_url, cc, seconds) -> the GIF, or None after `seconds` in all;
    a cancellation from outside goes on (CancelledError is not swallowed)."""
    gifs = flag_gifs()
    cases = [
        (server.url, "cn", 2.0, "сервер отвечает сразу", WAITS),
        (
            server.url_for(delay=SLOW_LATENCY),
            "br",
            SLOW_DEADLINE,
            f"сервер молчит {SLOW_LATENCY:g} с",
            "срок на весь запрос ставит async with asyncio.timeout(seconds)",
        ),
        (
            server.url_for(trickle=TRICKLE_PAUSE),
            "jp",
            WHOLE_DEADLINE,
            f"тело идёт 10 кусками, пауза {TRICKLE_PAUSE:g} с (всего {10 * TRICKLE_PAUSE:g} с)",
            PER_PHASE,
        ),
    ]
    for base_url, cc, seconds, what, hint in cases:
        give_up = seconds + 1.0 if cc != "cn" else DEADLINE
        try:
            image, took = timed(run_async, candidate, base_url, cc, seconds, deadline=give_up)
        except Late:
            raise NotYet(
                f"{what}, срок {seconds:g} с, а ответа нет и через {give_up:g} с: {hint}"
            ) from None
        except (TimeoutError, httpx.TimeoutException) as error:
            raise NotYet(
                f"{what}, срок {seconds:g} с: вылетел {type(error).__name__}; поймайте его "
                "(except TimeoutError) и верните None"
            ) from None
        if cc == "cn":
            if image != gifs["cn"]:
                raise NotYet(
                    f"{what}, срок {seconds:g} с: вернула {type(image).__name__}, а нужны "
                    "байты флага (response.content)"
                )
            continue
        if image is not None:
            late = f" через {took:.2f} с, позже срока: {hint}" if took > seconds else ""
            raise NotYet(
                f"{what}, срок {seconds:g} с: вернула {type(image).__name__}, а нужно None{late}"
            )
        if took > seconds + LATE_SLACK:
            raise NotYet(
                f"{what}: вернула None через {took:.2f} с при сроке {seconds:g} с; "
                "сдавайтесь по сроку: asyncio.timeout(seconds) вокруг всего запроса"
            )
    outside = functools.partial(cancelled_from_outside, candidate)
    functools.update_wrapper(outside, candidate)  # its name in what run_async says
    base_url = server.url_for(delay=CANCEL_LATENCY)
    try:
        what = run_async(outside, base_url, "fr", 5.0, deadline=CANCEL_LATENCY + 1.0)
    except Late:
        what = "продолжала работать"
    if what != "cancelled":
        raise NotYet(
            f"её отменили снаружи (как Ctrl-C или TaskGroup) через {CANCEL_AFTER:g} с, а она "
            f"{what} вместо CancelledError: отмена проглочена. Ловите только TimeoutError "
            "снаружи блока asyncio.timeout, CancelledError пусть летит дальше"
        )
    return (
        "работает: флаг, когда он успевает, None по сроку на весь запрос — даже когда "
        "каждое чтение быстрое, — а отмена снаружи идёт дальше"
    )
