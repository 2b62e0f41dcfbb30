"""course.exercises.ex04_robust_downloads: wrong answers to notebook 04's exercises."""

import threading
import time
from pathlib import Path

import httpx

from course.exercises import verify
from course.exercises.ex04_robust_downloads import RETRY_LIMIT


def test_a_404_counted_as_an_error_is_caught_with_the_hint(flag_server):
    def every_failure_is_an_error(base_url: str, cc: str, timeout: float) -> str:
        try:
            httpx.get(f"{base_url}/{cc}/{cc}.gif", timeout=timeout).raise_for_status()
        except httpx.HTTPError:
            return "ERROR"
        return "OK"

    passed, line = verify("download_status", every_failure_is_an_error, flag_server)
    assert not passed
    assert "expected 'NOT_FOUND'" in line and "a missing flag is not a failure" in line


def test_writing_straight_to_the_path_is_caught_as_a_half_written_flag(flag_server):
    def straight(chunks, path: Path) -> None:
        with path.open("wb") as file:
            for chunk in chunks:
                file.write(chunk)

    passed, line = verify("save_streamed", straight, flag_server)
    assert not passed
    assert "half-written flag" in line


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
    assert "the pauses between the 4 tries were 1, 1, 1 s" in line
    assert "expected backoff, 2*backoff, 4*backoff (0.1, 0.2, 0.4 s)" in line


def test_pauses_that_grow_too_fast_are_caught(flag_server):
    too_fast = retrying(lambda n, backoff: backoff * 2 ** (n + 1))
    passed, line = verify("get_flag_retrying", too_fast, flag_server)
    assert not passed
    assert "the pauses between the 4 tries were" in line


def test_a_pause_after_the_last_try_is_caught(flag_server):
    passes_last = retrying(lambda n, backoff: backoff * 2**n, after_last=True)
    passed, line = verify("get_flag_retrying", passes_last, flag_server)
    assert not passed
    assert "after the last (4th) try it still paused 0.8" in line


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
    assert "всё ещё работала через 5 с: does it retry a 5xx forever?" in line
    time.sleep(0.5)
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("check ")]
