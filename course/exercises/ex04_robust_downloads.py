"""Checks of notebook 04 (robust downloads): outcomes, retries, files whole or not at all."""

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
    NotYet,
    call_within,
    exercise,
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
        (server.url_for(errors=0.25), "br", 2.0, "OK", "a flag the server has (200)"),
        (server.url, "xx", 2.0, "NOT_FOUND", "a code the server has no flag for (404)"),
        (server.url_for(errors=0.25), "cd", 2.0, "ERROR", "a code that always fails with 503"),
        (
            server.url_for(delay=latency),
            "jp",
            allowed,
            "ERROR",
            f"a server that answers after {latency:g} s, with timeout={allowed:g}",
        ),
        (refused_url(), "fr", 2.0, "ERROR", "a server that is not running (connection refused)"),
    ]
    for base_url, cc, timeout, expected, what in cases:
        try:
            result, seconds = timed(
                call_within, DEADLINE, candidate, base_url, cc, timeout, hint=WAITS
            )
        except httpx.HTTPError as error:
            raise NotYet(
                f"for {cc!r}, {what}, {type(error).__name__} escaped: catch httpx.HTTPError "
                f"(the parent of status, timeout and connection errors) and return {expected!r}"
            ) from None
        if outcome_name(result) not in OUTCOMES:
            raise NotYet(f"returned {result!r} for {cc!r}, expected one of {', '.join(OUTCOMES)}")
        if outcome_name(result) != expected:
            hint = ""
            if expected == "NOT_FOUND":
                hint = ": a missing flag is not a failure (error.response.status_code)"
            elif outcome_name(result) == "NOT_FOUND":
                hint = ": only a 404 means NOT_FOUND"
            elif timeout == allowed:
                hint = ": pass timeout=timeout to httpx.get, so that it gives up in time"
            raise NotYet(f"returned {result!r} for {cc!r}, {what}; expected {expected!r}{hint}")
        if timeout == allowed and seconds > latency * 0.9:
            raise NotYet(
                f"returned 'ERROR' only after waiting out the whole {latency:g} s delay: "
                "pass timeout=timeout to httpx.get"
            )
    return "works: 200, 404, 503, a timeout and a refused connection each get their outcome"


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
                    f"the {code} for {cc!r} escaped as HTTPStatusError after {tries} "
                    f"request{'' if tries == 1 else 's'}: "
                    + (
                        "a missing flag is final: return None at once, without retrying"
                        if code == 404
                        else "after the last try give up quietly: return None"
                        if tries >= attempts
                        else f"try a 5xx again, {attempts} tries in all, then give up: return None"
                    )
                ) from None

    def call(cc: str) -> tuple[Any, list[float], list[float], float]:
        hint = f"does it retry a 5xx forever? give up after {attempts} tries"
        try:
            return call_within(RETRY_LIMIT, ask, cc, hint=hint)
        finally:  # an answer still retrying gets an error from its closed client: it stops
            for client in clients:
                client.close()

    image, sent, _, _ = call("br")
    if image != gifs["br"]:
        raise NotYet(f"returned {type(image).__name__} for 'br' (200), expected its GIF's bytes")
    if len(sent) != 1:
        raise NotYet(f"asked for 'br' {len(sent)} times, but the first answer was 200: stop there")
    image, sent, came, returned = call("cd")
    if image is not None:
        raise NotYet(f"returned {image!r} for 'cd', which always fails with 503; expected None")
    if len(sent) != attempts:
        raise NotYet(
            f"asked for 'cd' (503) {len(sent)} times with attempts={attempts}: expected "
            f"{attempts} tries in all, then give up"
        )
    waited = [later - earlier for earlier, later in zip(came, sent[1:])]  # answer to next try
    if not all(
        pause * 0.9 <= gap <= pause * PAUSE_SLACK + backoff / 2
        for gap, pause in zip(waited, pauses)
    ):
        shown = ", ".join(f"{pause:g}" for pause in pauses)
        measured = ", ".join(f"{gap:.2g}" for gap in waited)
        raise NotYet(
            f"with backoff={backoff:g} the pauses between the {attempts} tries were "
            f"{measured} s; expected backoff, 2*backoff, 4*backoff ({shown} s): "
            "time.sleep(backoff * 2**n) after failed try n"
        )
    tail = returned - came[-1]
    if tail > backoff / 2:
        raise NotYet(
            f"after the last ({attempts}th) try it still paused {tail:.2g} s before returning "
            "None: no try follows the last one, so give up at once, without a pause"
        )
    image, sent, _, _ = call("xx")
    if image is not None or len(sent) != 1:
        raise NotYet(
            f"asked for 'xx' (404) {len(sent)} times and returned {image!r}: a missing flag "
            "will not appear on the next try: return None after 1 request (retry only when "
            "response.is_server_error)"
        )
    return f"works: 200 once, 503 {attempts} times with growing pauses and then None, 404 once"


CHUNK_SIZE = 200  # bytes in each piece of a flag that save_streamed gets
BROKEN_AFTER = 2  # pieces that arrive before the simulated connection loss


def flag_chunks(image: bytes, broken: bool) -> Any:
    """The GIF in CHUNK_SIZE pieces, as response.iter_bytes() gives them; broken: cut short."""
    for n, start in enumerate(range(0, len(image), CHUNK_SIZE)):
        if broken and n == BROKEN_AFTER:
            raise httpx.ReadError("connection lost in the middle of the download")
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
            got = f"{path.stat().st_size} bytes" if path.exists() else "no file"
            raise NotYet(f"a complete download of {len(new)} bytes left {got} at path")
        if others():
            raise NotYet(
                f"after a complete download the folder also holds {others()}: rename the "
                "temporary file to path (tmp.replace(path))"
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
                    f"a download cut after {arrived} of {len(new)} bytes left "
                    f"{path.stat().st_size} bytes at path: a half-written flag. Write to a "
                    "temporary name, rename to path only when every chunk is written"
                )
            if before is not None and (not path.exists() or path.read_bytes() != before):
                raise NotYet(
                    "a cut download destroyed the flag that was already at path: keep it "
                    "until the new one is complete, then replace it with one rename"
                )
            if others():
                raise NotYet(
                    f"a cut download left {others()} in the folder: remove the temporary file "
                    "when writing fails (try/finally: tmp.unlink(missing_ok=True))"
                )
            if not escaped:
                raise NotYet(
                    "the ReadError of the cut download did not reach the caller: let it "
                    "propagate, so that the caller counts an ERROR"
                )
    return "works: a whole flag, or none at all (an older one stays), and no temporary files"
