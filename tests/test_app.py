"""The flag server's rules, tested in-process: the starlette app, no socket, no uvicorn.

Requests whose target must reach the app exactly as sent (`..`, `%2e`, `%0a`: an HTTP client
would normalise them) go through `call()`, which decodes the target as uvicorn does.
"""

import asyncio
import io
import json
import os
import subprocess
import sys
import time
import urllib.parse
import warnings

import pytest
from PIL import Image

import flagserver.app as app_module
from course.data import COURSE_CODES
from flagserver import create_app, fails, load_flags

with warnings.catch_warnings():  # newer starlette prefers httpx2; the course installs httpx
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

ALL_CODES = sorted(load_flags())


@pytest.fixture(scope="module")
def app():
    return create_app()


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, base_url="http://127.0.0.1:8001") as client:
        yield client


async def acall(
    app,
    target: str,
    method: str = "GET",
    client: str = "127.0.0.1",
    disconnect_after: float | None = None,
) -> tuple[int, bytes, bytes, list[float]]:
    """Send `target` to the app exactly as a raw HTTP client would.

    Returns (status, head, body, times): `times` are the moments (perf_counter) each piece of
    the body was sent. The path is decoded like uvicorn's httptools protocol does it. The
    client "disconnects" after `disconnect_after` seconds, or never.
    """
    raw_path, _, query = target.partition("?")
    path = raw_path
    if "%" in path:
        path = urllib.parse.unquote(path)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": raw_path.encode("latin-1"),
        "query_string": query.encode("latin-1"),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": (client, 50000),
        "server": ("127.0.0.1", 8001),
    }
    messages, times = [], []
    requested = False

    async def receive() -> dict:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600 if disconnect_after is None else disconnect_after)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        messages.append(message)
        times.append(time.perf_counter())

    await app(scope, receive, send)
    start = messages[0]
    head = b"".join(name + b": " + value + b"\r\n" for name, value in start["headers"])
    body = b"".join(message.get("body", b"") for message in messages[1:])
    return start["status"], head, body, times[1:]


def call(app, target: str, **options) -> tuple[int, bytes, bytes]:
    """GET `target` exactly as sent; returns (status, head, body)."""
    status, head, body, _ = asyncio.run(acall(app, target, **options))
    return status, head, body


def test_every_course_code_returns_a_gif_pillow_opens(client):
    for cc in COURSE_CODES:
        response = client.get(f"/flags/{cc}/{cc}.gif")
        assert response.status_code == 200, cc
        assert response.headers["content-type"] == "image/gif"
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "GIF"
        assert image.width == 100 and image.height > 10


def test_every_flag_in_the_data_is_served(client):
    assert len(ALL_CODES) > 250
    for cc in ALL_CODES:
        response = client.get(f"/flags/{cc}/{cc}.gif")
        assert response.status_code == 200, cc
        assert response.content.startswith(b"GIF8")


def test_unknown_code_is_404_with_a_one_line_reason(client):
    response = client.get("/flags/zz/zz.gif")
    assert response.status_code == 404
    assert response.text == "no flag for code 'zz'\n"


def test_upper_case_code_is_404_with_a_hint(client):
    response = client.get("/flags/CN/CN.gif")
    assert response.status_code == 404
    assert "lower case" in response.text


TRAVERSALS = [
    "/flags/cn/../../app.py",
    "/flags/../../../../etc/passwd",
    "/flags/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/flags/..%2f..%2f__init__.py/x.gif",
    "/flags/cn/..%2F..%2F..%2Fapp.py",
    "//etc/passwd",
    "/flags//etc/passwd/passwd.gif",
    "/flags/%2Fetc%2Fpasswd/%2Fetc%2Fpasswd.gif",
    "/flags/..\\..\\app.py/x.gif",
    "/flags/%5c..%5c..%5capp.py/x.gif",
    "/flags/cn/cn.gif%00.py",
    "/delay/0/../flags/cn/cn.gif",
    "/flags/data/flags/cn.gif",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_path_traversal_never_returns_a_file(app, target):
    status, head, body = call(app, target)
    assert status in (400, 404), (target, status)
    assert b"content-type: text/plain" in head.lower()
    assert body.count(b"\n") == 1  # one line of reason, nothing else
    assert b"GIF8" not in body and b"import" not in body and b"root:" not in body


@pytest.mark.parametrize("value", ["abc", "-1", "10.5", "nan", "inf", "1e9"])
def test_bad_delay_is_400_with_the_reason(client, value):
    response = client.get(f"/delay/{value}/flags/cn/cn.gif")
    assert response.status_code == 400
    assert response.text.startswith("delay must be")
    assert value in response.text


@pytest.mark.parametrize("value", ["abc", "-0.1", "1.5", "nan"])
def test_bad_error_rate_is_400_with_the_reason(client, value):
    response = client.get(f"/errors/{value}/flags/cn/cn.gif")
    assert response.status_code == 400
    assert response.text.startswith("error rate must be")


def test_option_given_twice_or_without_value_is_400(client):
    assert client.get("/delay/0/delay/0/flags/cn/cn.gif").status_code == 400
    response = client.get("/delay//flags/cn/cn.gif")
    assert response.status_code == 400
    assert "needs a value" in response.text


def timed_get(client: TestClient, url: str):
    start = time.perf_counter()
    response = client.get(url)
    return response, time.perf_counter() - start


def test_delay_adds_the_latency_to_every_response(client):
    ok, plain = timed_get(client, "/flags/cn/cn.gif")
    slow, delayed = timed_get(client, "/delay/0.3/flags/cn/cn.gif")
    missing, delayed_404 = timed_get(client, "/delay/0.3/flags/zz/zz.gif")
    assert ok.status_code == slow.status_code == 200 and missing.status_code == 404
    assert slow.content == ok.content
    assert 0.3 <= delayed < plain + 2.0
    assert 0.3 <= delayed_404 < plain + 2.0


def failing_codes(client: TestClient, base: str) -> set[str]:
    statuses = {cc: client.get(f"{base}/{cc}/{cc}.gif").status_code for cc in ALL_CODES}
    assert set(statuses.values()) <= {200, 503}
    return {cc for cc, status in statuses.items() if status == 503}


def test_error_codes_are_the_same_every_run_and_about_the_rate(client):
    first = failing_codes(client, "/errors/0.25/flags")
    second = failing_codes(client, "/errors/0.25/flags")
    other_process = subprocess.run(
        [
            sys.executable,
            "-c",
            "from flagserver.app import fails, load_flags;"
            "print(' '.join(cc for cc in load_flags() if fails(cc, 0.25)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert first == second == set(other_process.stdout.split())
    assert first == {cc for cc in ALL_CODES if fails(cc, 0.25)}
    assert 0.18 < len(first) / len(ALL_CODES) < 0.32
    assert failing_codes(client, "/errors/0/flags") == set()
    assert failing_codes(client, "/errors/1/flags") == set(ALL_CODES)


def test_injected_error_is_503_with_a_reason_and_delay_combines(client):
    cc = sorted(failing_codes(client, "/errors/0.25/flags"))[0]
    for options in ("delay/0.2/errors/0.25", "errors/0.25/delay/0.2"):
        response, elapsed = timed_get(client, f"/{options}/flags/{cc}/{cc}.gif")
        assert response.status_code == 503
        assert response.text == f"injected error for {cc!r} (errors rate 0.25)\n"
        assert elapsed >= 0.2


def test_health_and_usage(client):
    assert client.get("/health").text == "flagserver ok\n"
    assert "/flags/{cc}/{cc}.gif" in client.get("/").text


def test_flags_index_lists_every_code_the_server_has(client):
    response = client.get("/flags/")
    assert response.status_code == 200
    assert response.text.split() == ALL_CODES
    delayed, elapsed = timed_get(client, "/delay/0.2/errors/0.5/flags/")
    assert delayed.text == response.text and elapsed >= 0.2


def test_responses_are_never_cached(client):
    for target in ("/flags/cn/cn.gif", "/flags/zz/zz.gif", "/flags/"):
        assert client.get(target).headers["cache-control"] == "no-store"


# Strict input, bounded one-line reasons ---------------------------------------------------

NOT_PLAIN_NUMBERS = [
    "1_0",  # float() accepts underscores
    "%D9%A1",  # ARABIC-INDIC DIGIT ONE: float() reads it as 1
    "%EF%BC%91",  # FULLWIDTH DIGIT ONE
    "%201",  # leading space
    "1%20",  # trailing space
    "%091",  # leading tab
    "1%09",
    "1e1",
    "1E0",
    "+1",
    ".5",
    "1.",
    "0x1",
    "1.5.5",
    "1%0a",  # newline: also never echoed raw
]


@pytest.mark.parametrize("option", ["delay", "errors", "trickle"])
@pytest.mark.parametrize("value", NOT_PLAIN_NUMBERS)
def test_only_plain_decimal_numbers_are_accepted(app, option, value):
    status, _, body = call(app, f"/{option}/{value}/flags/cn/cn.gif")
    assert status == 400, (option, value)
    assert b"must be a plain number" in body
    assert body.count(b"\n") == 1 and b"\r" not in body


@pytest.mark.parametrize("value", ["0", "0.0", "00.5", "1", "1.0", "0.25"])
def test_plain_decimal_numbers_are_accepted(client, value):
    response = client.get(f"/errors/{value}/flags/")
    assert response.status_code == 200, value
    assert client.get(f"/delay/{value}/delay/0/flags/").status_code == 400  # twice: parsed


def assert_one_bounded_line(body: bytes) -> str:
    text = body.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1
    reason = text[:-1]
    assert len(reason) <= 200
    assert all(ch.isprintable() for ch in reason), reason
    return reason


@pytest.mark.parametrize(
    "target",
    [
        "/delay/" + "9" * 5000 + "/flags/cn/cn.gif",
        "/delay/" + "x" * 5000 + "/flags/cn/cn.gif",
        "/errors/" + "%E2%80%A8" * 300 + "/flags/cn/cn.gif",  # U+2028 LINE SEPARATOR
        "/flags/" + "a/" * 3000 + "a.gif",
        "/flags/" + "%F0%9F%98%80" * 500 + "/x.gif",
    ],
)
def test_a_reason_is_one_bounded_line_with_the_input_cut(app, target):
    status, _, body = call(app, target)
    assert status in (400, 404)
    reason = assert_one_bounded_line(body)
    assert "…" in reason  # the input, cut


@pytest.mark.parametrize(
    "target",
    [
        "/delay/1%0d%0aSet-Cookie:%20x=1/flags/cn/cn.gif",
        "/errors/%0a%0d%1b[31m%7f%c2%85/flags/cn/cn.gif",
        "/flags/c%0dn/c%0dn.gif",
        "/flags/%0d%0a%0d%0a<html>/x.gif",
        "/trickle/%00/flags/cn/cn.gif",
    ],
)
def test_a_reason_never_contains_a_control_character(app, target):
    status, head, body = call(app, target)
    assert status in (400, 404)
    assert_one_bounded_line(body)
    assert b"set-cookie" not in head.lower()
    assert not any(byte < 0x20 or byte == 0x7F for byte in body[:-1])


def test_a_long_value_is_quoted_with_its_first_40_characters():
    assert app_module.quote("x" * 41) == repr("x" * 40 + "…")
    assert app_module.quote("1\r\n") == "'1\\r\\n'"


# Scenarios for faulty networks ---------------------------------------------------------------


def test_json_gives_the_code_and_the_country_name(client):
    response = client.get("/flags/cn/cn.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"code": "cn", "name": "China"}
    assert response.headers["cache-control"] == "no-store"
    assert client.get("/flags/br/br.json").json() == {"code": "br", "name": "Brazil"}


def test_every_flag_has_its_json(client):
    for cc in ALL_CODES:
        data = client.get(f"/flags/{cc}/{cc}.json").json()
        assert data["code"] == cc and data["name"], cc


def test_json_follows_the_404_rules_of_the_gif(client):
    response = client.get("/flags/zz/zz.json")
    assert (response.status_code, response.text) == (404, "no flag for code 'zz'\n")
    response = client.get("/flags/CN/CN.json")
    assert response.status_code == 404 and "lower case" in response.text
    assert client.get("/flags/cn/br.json").status_code == 404
    assert client.get("/flags/cn/cn.jsonx").status_code == 404


def test_json_combines_with_errors_and_delay(client):
    cc = next(cc for cc in ALL_CODES if fails(cc, 0.25))
    response, elapsed = timed_get(client, f"/errors/0.25/delay/0.2/flags/{cc}/{cc}.json")
    assert response.status_code == 503 and elapsed >= 0.2


def test_html_is_a_wrong_server_200_with_an_html_page(client):
    gif = client.get("/flags/cn/cn.gif")
    for target in ("/html/flags/cn/cn.gif", "/html/flags/cn/cn.json"):
        response = client.get(target)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.text.startswith("<!doctype html>")
        assert b"GIF8" not in response.content and response.content != gif.content
    assert client.get("/html/flags/zz/zz.gif").status_code == 404
    assert client.get("/html/html/flags/cn/cn.gif").status_code == 400
    assert client.get("/html/0/flags/cn/cn.gif").status_code == 404  # takes no value


def test_html_combines_with_errors_and_delay(client):
    failing = next(cc for cc in ALL_CODES if fails(cc, 0.5))
    assert client.get(f"/errors/0.5/html/flags/{failing}/{failing}.gif").status_code == 503
    response, elapsed = timed_get(client, "/html/delay/0.2/flags/cn/cn.gif")
    assert response.headers["content-type"].startswith("text/html") and elapsed >= 0.2


def test_trickle_sends_one_byte_then_ten_pieces_a_pause_apart(app):
    gif = load_flags()["cn"]
    status, head, body, times = asyncio.run(acall(app, "/trickle/0.05/flags/cn/cn.gif"))
    assert status == 200 and body == gif
    assert f"content-length: {len(gif)}".encode() in head
    assert b"content-type: image/gif" in head
    pieces = times
    assert len(pieces) >= 11  # the first byte, 10 pieces (and the closing empty message)
    gaps = [later - earlier for earlier, later in zip(pieces, pieces[1:11])]
    assert all(gap >= 0.045 for gap in gaps), gaps
    assert pieces[10] - pieces[0] < 0.05 * 10 + 2


def test_trickle_applies_to_errors_and_bad_values_are_400(app, client):
    status, _, body, times = asyncio.run(acall(app, "/trickle/0.02/flags/zz/zz.gif"))
    assert status == 404 and body == b"no flag for code 'zz'\n"
    assert times[-1] - times[0] >= 0.02 * 9
    for value in ("11", "10.5", "-1"):
        response = client.get(f"/trickle/{value}/flags/cn/cn.gif")
        assert response.status_code == 400 and response.text.startswith("trickle pause must")
    assert client.get("/trickle/0/flags/cn/cn.gif").content == load_flags()["cn"]


def test_trickle_sends_the_rest_at_once_when_the_server_stops():
    app = create_app()

    async def scenario():
        request = asyncio.ensure_future(acall(app, "/trickle/5/flags/cn/cn.gif"))
        await asyncio.sleep(0.2)
        app.state.stopping.set()
        return await asyncio.wait_for(request, 2)

    status, _, body, _ = asyncio.run(scenario())
    assert status == 200 and body == load_flags()["cn"]


def test_hang_answers_only_after_the_limit():
    app = create_app(hang_limit=0.3)
    start = time.perf_counter()
    status, _, body = call(app, "/hang/flags/cn/cn.gif")
    assert time.perf_counter() - start >= 0.3
    assert status == 503 and b"no answer for 0.3 s" in body
    start = time.perf_counter()
    assert call(app, "/hang/delay/abc/flags/cn/cn.gif")[0] == 400  # bad input: at once
    assert call(app, "/hang/hang/flags/cn/cn.gif")[0] == 400
    assert time.perf_counter() - start < 0.3


def test_hang_ends_when_the_client_disconnects_or_the_server_stops():
    app = create_app(hang_limit=30)
    start = time.perf_counter()
    call(app, "/hang/flags/cn/cn.gif", disconnect_after=0.1)
    assert time.perf_counter() - start < 2

    async def stop_soon():
        request = asyncio.ensure_future(acall(app, "/hang/errors/0.5/flags/cn/cn.gif"))
        await asyncio.sleep(0.1)
        app.state.stopping.set()
        return await asyncio.wait_for(request, 2)

    start = time.perf_counter()
    assert asyncio.run(stop_soon())[0] == 503
    assert time.perf_counter() - start < 2


def test_usage_and_docstring_list_every_scenario(client):
    usage = client.get("/").text
    for text in ("/trickle/{seconds}/", "/html/", "/hang/", "/flags/{cc}/{cc}.json"):
        assert text in usage and text in app_module.__doc__, text


class FakeOwners:
    watched = True

    def __init__(self):
        self.pids: set[int] = set()

    def add(self, pid: int) -> bool:
        if pid == 999999:  # no such process
            return False
        self.pids.add(pid)
        return True

    def remove(self, pid: int) -> None:
        self.pids.discard(pid)

    def made_by(self, pid: int, client: tuple[str, int]) -> bool:
        return pid != 1  # pid 1 did not send the request

    def __len__(self) -> int:
        return len(self.pids)


def test_owners_register_from_loopback_only():
    owners = FakeOwners()
    app = create_app(owners=owners)
    status, head, body = call(app, "/owners/123", method="POST")
    assert status == 200 and b"application/json" in head
    assert json.loads(body) == {"owners": 1, "watched": True, "pid": os.getpid()}  # the server's
    assert call(app, "/owners/999999", method="POST")[0] == 404
    assert call(app, "/owners/123", method="POST", client="192.0.2.1")[0] == 403
    assert call(app, "/owners/12a", method="POST")[0] == 400
    assert json.loads(call(app, "/owners/123", method="GET")[2])["owners"] == 1
    assert call(app, "/owners/123", method="PUT")[0] == 405
    assert json.loads(call(app, "/owners/123", method="DELETE")[2])["owners"] == 0
    assert call(create_app(), "/owners/123", method="POST")[0] == 404


def test_a_process_registers_only_itself():
    owners = FakeOwners()
    status, _, body = call(create_app(owners=owners), "/owners/1", method="POST")
    assert (status, body) == (403, b"process 1 did not send this: a process registers itself\n")
    assert not owners.pids
