"""course.exercises.ex04_robust_downloads: wrong answers to notebook 04's exercises."""

import asyncio
import json
import re
import threading
import time
from pathlib import Path

import httpx
import pytest

from course.exercises import verify
from course.exercises.ex04_robust_downloads import (
    RETRY_BACKOFF,
    RETRY_LIMIT,
    SLOW_DEADLINE,
    SLOW_LATENCY,
    TRICKLE_PAUSE,
    WHOLE_DEADLINE,
)
from course.paths import NOTEBOOKS_DIR


def test_a_404_counted_as_an_error_is_caught_with_the_hint(flag_server):
    def every_failure_is_an_error(base_url: str, cc: str, timeout: float) -> str:
        try:
            httpx.get(f"{base_url}/{cc}/{cc}.gif", timeout=timeout).raise_for_status()
        except httpx.HTTPError:
            return "ERROR"
        return "OK"

    passed, line = verify("download_status", every_failure_is_an_error, flag_server)
    assert not passed
    assert "а нужно 'NOT_FOUND'" in line and "нет флага — не сбой" in line


def test_writing_straight_to_the_path_is_caught_as_a_half_written_flag(flag_server):
    def straight(chunks, path: Path) -> None:
        with path.open("wb") as file:
            for chunk in chunks:
                file.write(chunk)

    passed, line = verify("save_streamed", straight, flag_server)
    assert not passed
    assert "недописанный флаг" in line


def retrying(pause, after_last: bool = False):
    """An answer that retries a 5xx, pausing pause(n) after failed try n (after_last: also
    after the last one)."""

    def get_flag_retrying(client, base_url, cc, attempts, backoff):
        for n in range(attempts):
            response = client.get(f"{base_url}/{cc}/{cc}.gif")
            if not response.is_server_error:
                return response.content if response.is_success else None
            if n < attempts - 1 or after_last:
                time.sleep(pause(n, backoff))
        return None

    return get_flag_retrying


def test_retries_with_the_same_pause_each_time_are_caught(flag_server):
    passed, line = verify("get_flag_retrying", retrying(lambda n, backoff: 1), flag_server)
    assert not passed
    assert "паузы между 4 попытками были 1, 1, 1 с" in line
    assert "нужно backoff, 2*backoff, 4*backoff (0.1, 0.2, 0.4 с)" in line


def test_pauses_that_grow_too_fast_are_caught(flag_server):
    too_fast = retrying(lambda n, backoff: backoff * 2 ** (n + 1))
    passed, line = verify("get_flag_retrying", too_fast, flag_server)
    assert not passed
    assert "паузы между 4 попытками были" in line


def test_a_pause_after_the_last_try_is_caught(flag_server):
    passes_last = retrying(lambda n, backoff: backoff * 2**n, after_last=True)
    passed, line = verify("get_flag_retrying", passes_last, flag_server)
    assert not passed
    waited = re.search(r"после последней \(4-й\) попытки она ещё ждала (\d+\.\d+) с", line)
    assert waited and 0.7 < float(waited[1]) < 2, line  # the pause of 0.8 s, measured


def test_retrying_a_5xx_forever_is_given_up_on_and_stopped(flag_server):
    def forever(client, base_url, cc, attempts, backoff):
        while True:
            response = client.get(f"{base_url}/{cc}/{cc}.gif")
            if not response.is_server_error:
                return response.content if response.is_success else None

    start = time.perf_counter()
    passed, line = verify("get_flag_retrying", forever, flag_server)
    assert time.perf_counter() - start < RETRY_LIMIT + 5
    assert not passed
    assert "всё ещё работала через 5 с: не повторяет ли она 5xx бесконечно?" in line
    time.sleep(0.5)
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("check ")]


def per_phase_only(catch: bool = True):
    """flag_within with httpx's timeouts only: each phase has a deadline, the whole has none."""

    async def flag_within(base_url: str, cc: str, seconds: float) -> bytes | None:
        async with httpx.AsyncClient(timeout=seconds) as client:
            try:
                response = await client.get(f"{base_url}/{cc}/{cc}.gif")
            except httpx.TimeoutException:
                if catch:
                    return None
                raise
        return response.content

    return flag_within


def test_httpx_timeouts_alone_miss_a_trickling_body(flag_server):
    passed, line = verify("flag_within", per_phase_only(), flag_server)
    assert not passed
    assert "тело идёт 10 кусками" in line and "asyncio.timeout(seconds)" in line


def test_a_timeout_that_escapes_is_caught(flag_server):
    passed, line = verify("flag_within", per_phase_only(catch=False), flag_server)
    assert not passed
    assert "вылетел ReadTimeout" in line and "верните None" in line


def test_an_uncaught_asyncio_timeout_is_caught(flag_server):
    async def uncaught(base_url: str, cc: str, seconds: float) -> bytes | None:
        async with httpx.AsyncClient() as client, asyncio.timeout(seconds):
            return (await client.get(f"{base_url}/{cc}/{cc}.gif")).content

    passed, line = verify("flag_within", uncaught, flag_server)
    assert not passed
    assert "вылетел TimeoutError" in line


def test_always_none_is_caught(flag_server):
    async def never(base_url: str, cc: str, seconds: float) -> bytes | None:
        return None

    passed, line = verify("flag_within", never, flag_server)
    assert not passed
    assert "сервер отвечает сразу" in line and "нужны байты флага" in line


def test_giving_up_only_after_the_deadline_is_caught(flag_server):
    async def late(base_url: str, cc: str, seconds: float) -> bytes | None:
        async with httpx.AsyncClient() as client:
            try:
                async with asyncio.timeout(seconds * 2.5):  # a deadline, but not the one asked
                    return (await client.get(f"{base_url}/{cc}/{cc}.gif")).content
            except TimeoutError:
                return None

    passed, line = verify("flag_within", late, flag_server)
    assert not passed
    # caught on the trickling body (0.5 s asked, 1.25 s taken), or already on the silent server
    # (0.3 s asked, 0.75 s taken) when a busy machine adds more than LATE_SLACK to that
    assert re.search(r"вернула None через \d\.\d\d с при сроке (0\.5|0\.3) с", line), line


def test_a_plain_function_is_caught(flag_server):
    passed, line = verify("flag_within", lambda base_url, cc, seconds: None, flag_server)
    assert not passed
    assert "async def" in line


def test_no_deadline_at_all_is_caught(flag_server):
    async def patient(base_url: str, cc: str, seconds: float) -> bytes | None:
        async with httpx.AsyncClient(timeout=None) as client:
            return (await client.get(f"{base_url}/{cc}/{cc}.gif")).content

    passed, line = verify("flag_within", patient, flag_server)
    assert not passed
    assert "сервер молчит 1 с, срок 0.3 с: вернула bytes, а нужно None через" in line
    assert "позже срока" in line and "asyncio.timeout(seconds)" in line


def swallowing(inside: bool):
    """flag_within that meets every deadline but swallows a cancellation from outside."""

    async def flag_within(base_url: str, cc: str, seconds: float) -> bytes | None:
        async with httpx.AsyncClient() as client:
            if inside:  # the except inside the timeout block: it turns the cancel into None
                async with asyncio.timeout(seconds):
                    try:
                        return (await client.get(f"{base_url}/{cc}/{cc}.gif")).content
                    except asyncio.CancelledError:
                        return None
            try:
                async with asyncio.timeout(seconds):
                    return (await client.get(f"{base_url}/{cc}/{cc}.gif")).content
            except (TimeoutError, asyncio.CancelledError):
                return None

    return flag_within


@pytest.mark.parametrize("inside", [True, False], ids=["inside the block", "beside TimeoutError"])
def test_swallowing_a_cancellation_from_outside_is_caught(flag_server, inside):
    passed, line = verify("flag_within", swallowing(inside), flag_server)
    assert not passed
    assert "её отменили снаружи" in line and "вернула None вместо CancelledError" in line
    assert "отмена проглочена" in line and "\n" not in line


def test_the_exercises_prose_states_the_checks_own_numbers():
    prose = "\n".join(
        "".join(cell["source"])
        for cell in json.loads((NOTEBOOKS_DIR / "04_robust_downloads.ipynb").read_text())["cells"]
        if cell["cell_type"] == "markdown"
    )
    backoff = f"{RETRY_BACKOFF:g}"
    first, second, third = (f"{RETRY_BACKOFF * 2**n:g}".replace(".", ",") for n in range(3))
    assert f"`attempts=4` и `backoff={backoff}`" in prose
    assert f"паузами {first}, {second} и {third} с" in prose
    comma = f"{SLOW_DEADLINE:g}".replace(".", ",")
    assert f"молчащий {SLOW_LATENCY:g} с при сроке {comma} с" in prose
    assert f"`/trickle/{TRICKLE_PAUSE:g}/`" in prose
    assert f"паузой {TRICKLE_PAUSE:g}".replace(".", ",") in prose
    assert f"при сроке {WHOLE_DEADLINE:g} с".replace(".", ",") in prose
