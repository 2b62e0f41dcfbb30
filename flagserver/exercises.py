"""Exercises with self-checks: one call tells a student, in one line, whether an answer works.

    >>> from flagserver.exercises import check
    >>> check("flag_sizes", flag_sizes, server)      # server = start_server()
    ❌ flag_sizes: returned {}, expected a size for each of ['cn', 'br', 'fr']
    >>> check("flag_sizes", flag_sizes, server)      # after the fix
    ✅ flag_sizes: works: the sizes of cn, br, fr, jp, de match the server's GIFs

Each exercise is a function registered with `@exercise("NN_notebook")`: it tries the
student's function (the candidate) against the real flag server and raises `NotYet(reason)`
when the answer does not work yet, or returns what it proved. The notebooks call `check`;
tests/test_exercises.py calls `verify` with the same checks on the reference solutions in
solutions/ (they must pass) and on the starters shipped in the notebooks (they must not).

Async exercises (`async def` answers, notebook 03) are checked with the same `check` call. A
notebook's kernel already runs an event loop, so a check cannot `asyncio.run` there: it calls
`run_async(candidate, ...)`, which runs the coroutine in a fresh event loop in a worker thread
and waits for it, so the same check works in a kernel, in a script and in pytest.
"""

import asyncio
import inspect
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import httpx

from flagserver.app import fails, load_flags
from flagserver.launcher import FlagServer, free_port

POP20 = "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR".lower().split()
TIMEOUT = 10.0  # seconds for each request the checks send themselves

Check = Callable[[Callable[..., Any], FlagServer], str]


class NotYet(Exception):
    """The answer does not work yet; the message says why, in words a student can act on."""


@dataclass(frozen=True)
class Exercise:
    name: str  # also the name of the function the student writes
    notebook: str  # the notebook's file name without .ipynb; solutions/{notebook}.py solves it
    run: Check


EXERCISES: dict[str, Exercise] = {}


def exercise(notebook: str) -> Callable[[Check], Check]:
    """Register a check: `@exercise("00_start_here") def flag_sizes(candidate, server): ...`."""

    def register(run: Check) -> Check:
        EXERCISES[run.__name__] = Exercise(run.__name__, notebook, run)
        return run

    return register


def verify(name: str, candidate: Callable[..., Any], server: FlagServer) -> tuple[bool, str]:
    """Run the check of exercise `name` on candidate: (passed?, the one line to show)."""
    if name not in EXERCISES:
        return False, f"❌ {name}: no such exercise (known: {', '.join(sorted(EXERCISES))})"
    try:
        proof = EXERCISES[name].run(candidate, server)
    except NotYet as reason:
        return False, f"❌ {name}: {reason}"
    except Exception as error:  # the student's code failed: say how, in one line
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return False, f"❌ {name}: your function raised {type(error).__name__}: {first_line}"
    return True, f"✅ {name}: {proof}"


def check(name: str, candidate: Callable[..., Any], server: FlagServer) -> None:
    """Print one line: ✅ and what works, or ❌ and the reason it does not work yet."""
    print(verify(name, candidate, server)[1])


def root_of(server: FlagServer) -> str:
    return f"http://{server.host}:{server.port}"


def run_async(candidate: Callable[..., Any], *args: Any) -> Any:
    """Return `await candidate(*args)`, run in a fresh event loop in a worker thread.

    The caller may be inside a running loop (a Jupyter kernel), where asyncio.run would raise.
    """
    if not inspect.iscoroutinefunction(candidate):
        raise NotYet(f"{candidate.__name__} is a plain function: write it as `async def`")
    with futures.ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(lambda: asyncio.run(candidate(*args))).result()


def timed(call: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """(call(*args), seconds it took)."""
    start = time.perf_counter()
    result = call(*args)
    return result, time.perf_counter() - start


# --- 00_start_here -----------------------------------------------------------------------


@exercise("00_start_here")
def flag_sizes(candidate: Callable[..., Any], server: FlagServer) -> str:
    """flag_sizes(base_url, codes) -> {code: size of its GIF in bytes}."""
    gifs = load_flags()
    for codes in (["cn", "br", "fr"], ["jp", "de"]):
        sizes = candidate(server.url, list(codes))
        if not isinstance(sizes, dict):
            raise NotYet(f"returned {type(sizes).__name__}, expected a dict {{code: size}}")
        if sorted(sizes) != sorted(codes):
            raise NotYet(f"returned {sizes!r}, expected a size for each of {codes}")
        for cc in codes:
            if sizes[cc] != len(gifs[cc]):
                raise NotYet(
                    f"size of {cc!r} is {sizes[cc]!r}, but its GIF has {len(gifs[cc])} bytes "
                    "(count bytes: len(response.content))"
                )
    return "works: the sizes of cn, br, fr, jp, de match the server's GIFs"


def timed_get(url: str) -> tuple[int, float]:
    """GET url: (status, seconds it took)."""
    start = time.perf_counter()
    status = httpx.get(url, timeout=TIMEOUT).status_code
    return status, time.perf_counter() - start


@exercise("00_start_here")
def scenario_url(candidate: Callable[..., Any], server: FlagServer) -> str:
    """scenario_url(root, delay=0, errors=0) -> base URL of the flags in that scenario."""
    root = root_of(server)
    failing = next(cc for cc in POP20 if fails(cc, 0.5))
    passing = next(cc for cc in POP20 if not fails(cc, 0.5))
    cases = [  # (arguments, code to fetch, status expected, least seconds it must take)
        ({}, "cn", 200, 0.0),
        ({"errors": 1}, "cn", 503, 0.0),
        ({"delay": 0.3}, "cn", 200, 0.3),
        ({"delay": 0.3, "errors": 1}, "cn", 503, 0.3),
        ({"errors": 0.5}, failing, 503, 0.0),
        ({"errors": 0.5}, passing, 200, 0.0),
    ]
    for kwargs, cc, status, least in cases:
        call = f"scenario_url(root{''.join(f', {k}={v}' for k, v in kwargs.items())})"
        url = candidate(root, **kwargs)
        if not isinstance(url, str) or not url.startswith(root):
            raise NotYet(f"{call} returned {url!r}, expected a URL that starts with root")
        shown = "root + " + repr(url.removeprefix(root))
        got, seconds = timed_get(f"{url}/{cc}/{cc}.gif")
        if got != status:
            raise NotYet(f"{call} gave {shown}: {cc}.gif answered {got}, expected {status}")
        if seconds < least:
            raise NotYet(f"{call} gave {shown}: the answer came without the {least:g} s delay")
    return "works: plain, delay, errors and both give the server's scenarios"


@exercise("00_start_here")
def split_ok_failed(candidate: Callable[..., Any], server: FlagServer) -> str:
    """split_ok_failed(base_url, codes) -> (codes downloaded, codes that failed), in order."""
    for rate, codes in ((0.5, POP20), (0.25, POP20[::-1])):
        expected = (
            [cc for cc in codes if not fails(cc, rate)],
            [cc for cc in codes if fails(cc, rate)],
        )
        try:
            result = candidate(server.url_for(errors=rate), list(codes))
        except httpx.HTTPStatusError as error:
            code = error.request.url.path.rsplit("/", 1)[-1].removesuffix(".gif")
            raise NotYet(
                f"the {error.response.status_code} for {code!r} stopped the loop "
                "(HTTPStatusError): put that code in `failed` and go on"
            ) from None
        if not (isinstance(result, tuple | list) and len(result) == 2):
            raise NotYet(f"returned {result!r}, expected a pair (ok, failed)")
        ok, failed = (list(part) for part in result)
        if (ok, failed) != expected:
            raise NotYet(
                f"under /errors/{rate:g}: failed={failed}, expected {expected[1]} "
                "(both lists in the order of codes)"
            )
    return "works: every code is either downloaded or reported, and the loop goes on"


# --- 02_futures -------------------------------------------------------------------------


@exercise("02_futures")
def finishing_order(candidate: Callable[..., Any], server: FlagServer) -> str:
    """finishing_order({code: base_url}) -> the codes in the order their downloads finished."""
    for delays in ({"cn": 0.7, "br": 0.1, "fr": 0.4}, {"jp": 0.1, "de": 0.6, "in": 0.35}):
        jobs = {cc: server.url_for(delay=delay) for cc, delay in delays.items()}
        order = candidate(jobs)
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


@exercise("02_futures")
def download_with_timeout(candidate: Callable[..., Any], server: FlagServer) -> str:
    """download_with_timeout(base_url, cc, seconds) -> the GIF's bytes, or None if too slow."""
    gif = load_flags()["cn"]
    image = candidate(server.url, "cn", 2.0)
    if image != gif:
        shown = "None" if image is None else f"{type(image).__name__}"
        raise NotYet(
            f"returned {shown} for 'cn' from the fast server, expected its {len(gif)} bytes "
            "(did you return response.content?)"
        )
    slow, latency, allowed = server.url_for(delay=1.5), 1.5, 0.2
    try:
        image, seconds = timed(candidate, slow, "br", allowed)
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


ROUNDS_CODES = ["cn", "br", "fr", "jp"]  # 4 flags, at most 2 at a time: 2 rounds of requests
ROUNDS_LATENCY = 0.6  # seconds: 1 round (all at once) 0.6 s, 2 rounds 1.2 s, one by one 2.4 s


def rounds_of_requests(seconds: float) -> str:
    """'fast' when fewer than 2 rounds fit in seconds, 'slow' when about 4 did, else 'ok'."""
    if seconds < ROUNDS_LATENCY * 1.85:
        return "fast"
    return "slow" if seconds > ROUNDS_LATENCY * 3.5 else "ok"


def check_rounds(codes: Any, seconds: float, limit: str, pool: str) -> None:
    """Raise NotYet unless all ROUNDS_CODES came back in 2 rounds of requests, `limit` at once."""
    if not isinstance(codes, list | tuple) or sorted(codes) != sorted(ROUNDS_CODES):
        raise NotYet(f"returned {codes!r}, expected the codes {ROUNDS_CODES} in any order")
    rounds = rounds_of_requests(seconds)
    if rounds == "fast":
        raise NotYet(
            f"4 flags with {limit}=2 came back in fewer than 2 rounds of requests: more than 2 "
            f"were in flight at once ({pool})"
        )
    if rounds == "slow":
        raise NotYet(
            f"4 flags with {limit}=2 took as long as 4 requests one after another: "
            "let 2 of them wait at the same time"
        )


@exercise("02_futures")
def download_bounded(candidate: Callable[..., Any], server: FlagServer) -> str:
    """download_bounded(base_url, codes, max_workers) -> codes in finishing order, N at a time."""
    base_url = server.url_for(delay=ROUNDS_LATENCY)
    codes, seconds = timed(candidate, base_url, list(ROUNDS_CODES), 2)
    check_rounds(codes, seconds, "max_workers", "pass max_workers to the ThreadPoolExecutor")
    return "works: all 4 flags, 2 requests at a time, in 2 rounds"


# --- 03_asyncio -------------------------------------------------------------------------


@exercise("03_asyncio")
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


@exercise("03_asyncio")
def download_limited(candidate: Callable[..., Any], server: FlagServer) -> str:
    """async download_limited(base_url, codes, limit) -> codes, at most `limit` in flight."""
    base_url = server.url_for(delay=ROUNDS_LATENCY)
    codes, seconds = timed(run_async, candidate, base_url, list(ROUNDS_CODES), 2)
    check_rounds(codes, seconds, "limit", "hold `async with semaphore:` around each request")
    return "works: all 4 flags, 2 requests at a time, in 2 rounds"


@exercise("03_asyncio")
def flag_sizes_at_once(candidate: Callable[..., Any], server: FlagServer) -> str:
    """async flag_sizes_at_once(base_url, codes) -> {code: size}, all requests at once."""
    gifs = load_flags()
    codes, latency = ["cn", "br", "fr", "jp", "de"], 0.4
    sizes, seconds = timed(run_async, candidate, server.url_for(delay=latency), list(codes))
    if not isinstance(sizes, dict) or sorted(sizes) != sorted(codes):
        raise NotYet(f"returned {sizes!r}, expected a dict with a size for each of {codes}")
    for cc in codes:
        if sizes[cc] != len(gifs[cc]):
            raise NotYet(
                f"size of {cc!r} is {sizes[cc]!r}, but its GIF has {len(gifs[cc])} bytes "
                "(count bytes: len(response.content))"
            )
    if seconds > latency * 3:
        raise NotYet(
            f"the sizes are right, but the {len(codes)} requests ran one after another: create "
            "a task per code with tg.create_task in `async with asyncio.TaskGroup() as tg:`"
        )
    return "works: the sizes of 5 flags, downloaded at the same time"


# --- 01_concurrency_models ---------------------------------------------------------------
# These checks need no flag server: notebook 01 passes server=None.
# Imports are local to this block so the shared import list above stays untouched.

SPIN_SECONDS = 1.0  # how long the checks let a spinner spin before they stop it
STOP_WITHIN = 2.0  # seconds a spinner may take to stop once asked


def screen_line(output: str) -> str:
    """What a terminal line shows after printing output: each \\r starts drawing over it."""
    line = ""
    for part in output.split("\r"):
        line = part + line[len(part) :]
    return line


def spinner_frames(output: str) -> list[str]:
    """The frames a spinner drew: the non-blank pieces between carriage returns."""
    return [part for part in output.split("\r") if part.strip()]


@exercise("01_concurrency_models")
def spin_elapsed(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """spin_elapsed(msg, done): a thread spinner whose frames show the seconds since it began."""
    import contextlib
    import io
    import re
    import threading

    done, output = threading.Event(), io.StringIO()
    spinner = threading.Thread(target=candidate, args=("thinking!", done), daemon=True)
    with contextlib.redirect_stdout(output):
        spinner.start()
        time.sleep(SPIN_SECONDS)
        done.set()
        spinner.join(STOP_WITHIN)
    if spinner.is_alive():
        raise NotYet(
            f"still spinning {STOP_WITHIN:g} s after done.set(): "
            "pause with done.wait(0.1) and break when it returns True"
        )
    printed = output.getvalue()
    frames = spinner_frames(printed)
    if not printed.startswith("\r"):
        raise NotYet(
            "start every frame with \\r (carriage return), so it is drawn over the last one"
        )
    if len(frames) < 3:
        raise NotYet(
            f"drew {len(frames)} frame(s) in {SPIN_SECONDS:g} s: draw one about every 0.1 s"
        )
    seconds = [re.findall(r"(\d+(?:\.\d+)?) ?s\b", frame) for frame in frames]
    if not all(seconds):
        raise NotYet(
            "the frames show no elapsed time: end each frame with the seconds since spin "
            "began, like '| thinking! 0.3s'"
        )
    shown = [float(found[-1]) for found in seconds]
    if shown != sorted(shown) or shown[-1] - shown[0] < SPIN_SECONDS / 2:
        raise NotYet(
            f"in {SPIN_SECONDS:g} s of spinning the frames went {shown[0]:g}s ... {shown[-1]:g}s: "
            "show time.perf_counter() - start, with start taken once, when spin begins"
        )
    if screen_line(printed).strip():
        raise NotYet(
            f"after the spinner stopped the line still shows {screen_line(printed).strip()!r}: "
            "erase it with as many blanks as the last (longest) frame"
        )
    return "works: the frames count the seconds in place, and the line is clean at the end"


@exercise("01_concurrency_models")
def clean_supervisor(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """async clean_supervisor() -> 42, with the spinner task stopped and its line erased."""
    import contextlib
    import io

    if not inspect.iscoroutinefunction(candidate):
        raise NotYet(f"{candidate.__name__} is a plain function: write it as `async def`")

    async def watch() -> tuple[Any, bool, list[int]]:
        """(answer, did CancelledError escape?, cancel requests of each task still running)."""
        try:
            result, escaped = await candidate(), False
        except asyncio.CancelledError:
            result, escaped = None, True
        running = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        return result, escaped, [task.cancelling() for task in running]

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        result, escaped, running = run_async(watch)
    printed = output.getvalue()
    if len(spinner_frames(printed)) < 2:
        raise NotYet(
            "the spinner drew no frames while slow() ran: start it with asyncio.create_task "
            "before `await slow()`, and never block the loop (time.sleep freezes it)"
        )
    if escaped:
        raise NotYet(
            "CancelledError escaped from clean_supervisor: let spin catch it "
            "(except asyncio.CancelledError: break), as in spinner_asyncio.py"
        )
    if result != 42:
        raise NotYet(f"returned {result!r}, expected the answer of slow(): 42")
    if running and not any(running):
        raise NotYet(
            "the spinner task still runs after clean_supervisor returned: stop it with "
            "spinner.cancel()"
        )
    if running:
        raise NotYet(
            "spinner.cancel() only asks the task to stop, and clean_supervisor returned before "
            "it did: `await spinner` after cancel(), then return"
        )
    if screen_line(printed).strip():
        raise NotYet(
            f"clean_supervisor returned while the line still shows "
            f"{screen_line(printed).strip()!r}: the spinner must erase it before you return"
        )
    return "works: the answer is 42, the spinner has stopped and its line is erased"


PARALLEL_ITEMS = [1_000_003, 1_000_000, 2_147_483_647, 999_983, 12, 7, 1, 1_000_033]


def is_small_prime(n: int) -> bool:
    """Trial division, as in primes.py (fine for the small numbers of these checks)."""
    import math

    return n >= 2 and all(n % i for i in range(2, math.isqrt(n) + 1))


def prime_and_pid(n: int) -> tuple[bool, int]:
    """(is n prime?, id of the process that computed it): the function parallel_map gets."""
    import os

    return is_small_prime(n), os.getpid()


@exercise("01_concurrency_models")
def parallel_map(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """parallel_map(fn, items) -> [fn(item) for item in items], computed in worker processes."""
    import os

    results = list(candidate(prime_and_pid, list(PARALLEL_ITEMS)))
    expected = [is_small_prime(n) for n in PARALLEL_ITEMS]
    got = [result[0] if isinstance(result, tuple) else result for result in results]
    if got != expected:
        raise NotYet(
            f"fn(item) for {len(PARALLEL_ITEMS)} items gave {got}, expected {expected} "
            "(one result per item, in the order of items)"
        )
    if os.getpid() in {pid for _, pid in results}:
        raise NotYet(
            "the results are right, but fn ran inside this very process, whose threads take turns "
            "holding its one GIL: pure-Python computing gets no faster; use a pool of processes"
        )
    return "works: every call ran in a worker process, each with its own interpreter and GIL"


# --- 04_robust_downloads -----------------------------------------------------------------
# Plain (not async) answers. Imports are local to this block so the shared list above stays put.

OUTCOMES = ("OK", "NOT_FOUND", "ERROR")


def outcome_name(result: Any) -> Any:
    """'OK' for 'OK' and for DownloadStatus.OK alike: answers may return either."""
    return getattr(result, "name", result)


def refused_url() -> str:
    """The base URL of a port nobody listens on: connecting there is refused."""
    return f"http://127.0.0.1:{free_port()}/flags"


@exercise("04_robust_downloads")
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
            result, seconds = timed(candidate, base_url, cc, timeout)
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


@exercise("04_robust_downloads")
def get_flag_retrying(candidate: Callable[..., Any], server: FlagServer) -> str:
    """get_flag_retrying(client, base_url, cc, attempts, backoff) -> the GIF's bytes, or None.

    A 5xx is tried again, up to `attempts` tries in all, pausing backoff, 2*backoff, 4*backoff...
    between them; a 404 is final. The check counts the requests the client really sends.
    """
    gifs, base_url = load_flags(), server.url_for(errors=0.25)
    attempts, backoff = 4, 0.05
    pauses = [backoff * 2**n for n in range(attempts - 1)]  # 0.05, 0.1, 0.2 s

    def call(cc: str) -> tuple[Any, list[float]]:
        """(the answer for cc, when each request was sent), counted by the client itself."""
        sent: list[float] = []
        hooks = {"request": [lambda request: sent.append(time.perf_counter())]}
        with httpx.Client(timeout=TIMEOUT, event_hooks=hooks) as client:
            try:
                return candidate(client, base_url, cc, attempts, backoff), sent
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

    image, sent = call("br")
    if image != gifs["br"]:
        raise NotYet(f"returned {type(image).__name__} for 'br' (200), expected its GIF's bytes")
    if len(sent) != 1:
        raise NotYet(f"asked for 'br' {len(sent)} times, but the first answer was 200: stop there")
    image, sent = call("cd")
    if image is not None:
        raise NotYet(f"returned {image!r} for 'cd', which always fails with 503; expected None")
    if len(sent) != attempts:
        raise NotYet(
            f"asked for 'cd' (503) {len(sent)} times with attempts={attempts}: expected "
            f"{attempts} tries in all, then give up"
        )
    gaps = [later - earlier for earlier, later in zip(sent, sent[1:])]
    if any(gap < pause * 0.9 for gap, pause in zip(gaps, pauses)):
        shown = ", ".join(f"{pause:g}" for pause in pauses)
        raise NotYet(
            f"the pauses between the {attempts} tries did not grow as backoff, 2*backoff, "
            f"4*backoff ({shown} s): time.sleep(backoff * 2**n) after failed try n"
        )
    image, sent = call("xx")
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


@exercise("04_robust_downloads")
def save_streamed(candidate: Callable[..., Any], server: FlagServer) -> str:
    """save_streamed(chunks, path): the file is whole or absent, never half-written."""
    import tempfile
    from pathlib import Path

    gifs = load_flags()
    new, old = gifs["cn"], gifs["br"]
    with tempfile.TemporaryDirectory(prefix="save-streamed-") as folder:
        path = Path(folder) / "cn.gif"

        def others() -> list[str]:
            return sorted(item.name for item in Path(folder).iterdir() if item != path)

        candidate(flag_chunks(new, broken=False), path)
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
                candidate(flag_chunks(new, broken=True), path)
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


# --- 05_scaling --------------------------------------------------------------------------
# Imports are local to this block so the shared import list above stays untouched.


@exercise("05_scaling")
def limit_seconds(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """limit_seconds(n, concurrency, delay) -> ceil(n / concurrency) * delay, in seconds."""
    import math

    cases = [(1000, 100, 0.1), (1001, 100, 0.1), (20, 1000, 0.5), (1, 10, 0.2), (250, 100, 0.04)]
    for n, concurrency, delay in cases:
        waves = math.ceil(n / concurrency)
        expected = waves * delay
        got = candidate(n, concurrency, delay)
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


@exercise("05_scaling")
def fetch_all(candidate: Callable[..., Any], server: FlagServer) -> str:
    """async fetch_all(base_url, codes, concurrency) -> [GIF bytes], near ceil(N/C) * D."""
    import math

    if not inspect.iscoroutinefunction(candidate):
        raise NotYet(f"{candidate.__name__} is a plain function: write it as `async def`")
    gifs = load_flags()
    codes = sorted(gifs)[:FETCH_N]
    n, concurrency, delay = FETCH_N, FETCH_CONCURRENCY, FETCH_DELAY
    limit = math.ceil(n / concurrency) * delay
    shown_limit = f"the limit ceil({n}/{concurrency}) x {delay:g} s = {limit:g} s"

    async def within_deadline() -> Any:
        async with asyncio.timeout(limit * FETCH_GIVE_UP):
            return await candidate(server.url_for(delay=delay), list(codes), concurrency)

    try:
        images, seconds = timed(run_async, within_deadline)
    except TimeoutError:
        raise NotYet(
            f"{n} flags with concurrency={concurrency} were not all there after "
            f"{FETCH_GIVE_UP:g}x {shown_limit} (one by one they take {n * delay / limit:g}x): send "
            "the requests together, at most concurrency at a time (asyncio.Semaphore), through "
            "one shared httpx.AsyncClient"
        ) from None
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
