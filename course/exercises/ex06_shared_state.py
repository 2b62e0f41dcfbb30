"""Checks of notebook 06 (shared state): a counter from threads, a single-flight cache, workers."""

import asyncio
import functools
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from course.data import flag_gifs
from course.exercises.core import (
    ROUNDS_CODES,
    ROUNDS_LATENCY,
    NotYet,
    call_within,
    check_rounds,
    exercise,
    run_async,
    timed,
)
from flagserver import FlagServer

NOTEBOOK = "06_shared_state"
THREADS, TIMES = 4, 300  # add_many(box, TIMES) from THREADS threads at once


class Box:
    """A shared counter: `value` and its `lock`. Writing `value` begins with a switch point
    (sleep(0)), as a log line or any I/O would: without the lock, updates get lost every run."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._value = 0

    @property
    def value(self) -> int:
        return self._value

    @value.setter
    def value(self, new: int) -> None:
        time.sleep(0)  # another thread may run here, between the read and this write
        self._value = new


def add_from_threads(candidate: Callable[..., Any]) -> int:
    """Run candidate(box, TIMES) in THREADS threads started together; return box.value."""
    box, start = Box(), threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work() -> None:
        start.wait()
        try:
            candidate(box, TIMES)
        except BaseException as error:  # noqa: BLE001  (reported by the check)
            errors.append(error)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return box._value


@exercise(NOTEBOOK)
def add_many(candidate: Callable[..., Any], server: FlagServer) -> str:
    """add_many(box, times) adds 1 to box.value `times` times; 4 threads call it at once."""
    should = THREADS * TIMES

    @functools.wraps(candidate)
    def answer() -> int:
        return add_from_threads(candidate)

    for _ in range(3):
        hint = "не захватываете ли вы box.lock дважды (Lock не реентерабелен)?"
        value = call_within(10.0, answer, hint=hint)
        if value != should:
            raise NotYet(
                f"{THREADS} потока по {TIMES} прибавлений дали {value}, а должно быть {should}: "
                f"{should - value} потеряно; держите `with box.lock:` вокруг чтения и записи"
            )
    return f"работает: {THREADS} потока × {TIMES} прибавлений = {should}, три раза подряд"


async def lookups_at_once(
    candidate: Callable[..., Any], base_url: str, codes: list[str], times: int
) -> tuple[Counter[str], bool]:
    """Call candidate(client, cache, url) `times` times per code at once, with one shared cache.
    (requests sent per code, whether every call got the right GIF)."""
    sent: Counter[str] = Counter()

    async def count(request: httpx.Request) -> None:
        sent[request.url.path.rsplit("/", 1)[-1].removesuffix(".gif")] += 1

    cache: dict[str, Any] = {}
    gifs = flag_gifs()
    expected = {f"{base_url}/{cc}/{cc}.gif": gifs[cc] for cc in codes}
    urls = list(expected)
    async with httpx.AsyncClient(event_hooks={"request": [count]}) as client:
        async with asyncio.TaskGroup() as tg:
            tasks = [(url, tg.create_task(candidate(client, cache, url))) for url in urls * times]
    return sent, all(task.result() == expected[url] for url, task in tasks)


@exercise(NOTEBOOK)
def get_flag_once(candidate: Callable[..., Any], server: FlagServer) -> str:
    """async get_flag_once(client, cache, url) -> the GIF; one request per url, however many ask."""
    codes, times, latency = ["cn", "br", "fr"], 5, 0.4

    @functools.wraps(candidate)
    async def answer(base_url: str) -> tuple[Counter[str], bool]:
        return await lookups_at_once(candidate, base_url, codes, times)

    (sent, right), seconds = timed(run_async, answer, server.url_for(delay=latency))
    if not right:
        raise NotYet("вернула не те байты: каждый вызов должен получить GIF своего url")
    if sent != Counter(dict.fromkeys(codes, 1)):
        raise NotYet(
            f"{len(codes) * times} одновременных вызовов для {len(codes)} флагов отправили "
            f"{sum(sent.values())} запросов ({dict(sorted(sent.items()))}), а нужно по одному на "
            "флаг: положите в cache задачу (Task) до первого await, а остальные пусть ждут её"
        )
    if seconds > latency * 2.5:  # 3 flags one after another take 3 latencies
        raise NotYet(
            "по одному запросу на флаг, но разные флаги скачивались по очереди: одна общая "
            "блокировка на всё? Нужна своя задача (или Lock) на каждый url"
        )
    return f"работает: {len(codes) * times} вызовов, по одному запросу на каждый из {len(codes)}"


@exercise(NOTEBOOK)
def download_with_workers(candidate: Callable[..., Any], server: FlagServer) -> str:
    """async download_with_workers(base_url, codes, workers) -> codes; N workers, a queue,
    no task left running when it returns."""
    left: list[str] = []

    @functools.wraps(candidate)
    async def answer(base_url: str, codes: list[str], workers: int) -> Any:
        result = await candidate(base_url, codes, workers)
        await asyncio.sleep(0)  # cancelled workers get to finish
        left.extend(t.get_name() for t in asyncio.all_tasks() if t is not asyncio.current_task())
        return result

    base_url = server.url_for(delay=ROUNDS_LATENCY)
    codes, seconds = timed(run_async, answer, base_url, list(ROUNDS_CODES), 2)
    check_rounds(codes, seconds, "workers", "рабочих задач больше, чем workers?")
    if left:
        raise NotYet(
            f"коды верные, но после возврата ещё работают задачи ({len(left)}): остановите "
            "рабочие задачи — task.cancel() после queue.join() или по одному None на каждую"
        )
    return "работает: 4 флага, 2 рабочие задачи, 2 волны запросов, ни одной задачи после"
