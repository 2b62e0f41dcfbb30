"""The local flag server, tested over real sockets against a real uvicorn process."""

import asyncio
import io
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from PIL import Image

from course.data import COURSE_CODES
from flagserver import free_port, load_flags
from helpers import raw_get, raw_get_async

ALL_CODES = sorted(load_flags())


def test_every_course_code_returns_a_gif_pillow_opens(flag_server):
    for cc in COURSE_CODES:
        response = httpx.get(f"{flag_server.url}/{cc}/{cc}.gif")
        assert response.status_code == 200, cc
        assert response.headers["content-type"] == "image/gif"
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "GIF"
        assert image.width == 100 and image.height > 10


def test_every_flag_in_the_data_is_served(flag_server):
    assert len(ALL_CODES) > 250
    with httpx.Client(base_url=flag_server.url) as client:
        for cc in ALL_CODES:
            response = client.get(f"/{cc}/{cc}.gif")
            assert response.status_code == 200, cc
            assert response.content.startswith(b"GIF8")


def test_unknown_code_is_404_with_a_one_line_reason(flag_server):
    response = httpx.get(f"{flag_server.url}/zz/zz.gif")
    assert response.status_code == 404
    assert response.text == "no flag for code 'zz'\n"


def test_upper_case_code_is_404_with_a_hint(flag_server):
    response = httpx.get(f"{flag_server.url}/CN/CN.gif")
    assert response.status_code == 404
    assert "lower case" in response.text


@pytest.mark.parametrize(
    "target",
    [
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
    ],
)
def test_path_traversal_never_returns_a_file(flag_server, target):
    status, head, body = raw_get(flag_server.port, target)
    assert status in (400, 404), (target, status)
    assert b"content-type: text/plain" in head.lower()
    assert body.count(b"\n") == 1  # one line of reason, nothing else
    assert b"GIF8" not in body and b"import" not in body and b"root:" not in body


@pytest.mark.parametrize("value", ["abc", "-1", "10.5", "nan", "inf", "1e9"])
def test_bad_delay_is_400_with_the_reason(flag_server, value):
    response = httpx.get(f"http://127.0.0.1:{flag_server.port}/delay/{value}/flags/cn/cn.gif")
    assert response.status_code == 400
    assert response.text.startswith("delay must be")
    assert value in response.text


@pytest.mark.parametrize("value", ["abc", "-0.1", "1.5", "nan"])
def test_bad_error_rate_is_400_with_the_reason(flag_server, value):
    response = httpx.get(f"http://127.0.0.1:{flag_server.port}/errors/{value}/flags/cn/cn.gif")
    assert response.status_code == 400
    assert response.text.startswith("error rate must be")


def test_option_given_twice_or_without_value_is_400(flag_server):
    base = f"http://127.0.0.1:{flag_server.port}"
    assert httpx.get(f"{base}/delay/0/delay/0/flags/cn/cn.gif").status_code == 400
    response = httpx.get(f"{base}/delay//flags/cn/cn.gif")
    assert response.status_code == 400
    assert "needs a value" in response.text


def timed_get(url: str) -> tuple[httpx.Response, float]:
    start = time.perf_counter()
    response = httpx.get(url)
    return response, time.perf_counter() - start


def test_delay_adds_the_latency_to_every_response(flag_server):
    ok, plain = timed_get(f"{flag_server.url}/cn/cn.gif")
    slow, delayed = timed_get(f"{flag_server.url_for(delay=0.3)}/cn/cn.gif")
    missing, delayed_404 = timed_get(f"{flag_server.url_for(delay=0.3)}/zz/zz.gif")
    assert ok.status_code == slow.status_code == 200 and missing.status_code == 404
    assert slow.content == ok.content
    assert 0.3 <= delayed < plain + 2.0
    assert 0.3 <= delayed_404 < plain + 2.0


def failing_codes(base_url: str) -> set[str]:
    with httpx.Client(base_url=base_url) as client:
        statuses = {cc: client.get(f"/{cc}/{cc}.gif").status_code for cc in ALL_CODES}
    assert set(statuses.values()) <= {200, 503}
    return {cc for cc, status in statuses.items() if status == 503}


def test_error_codes_are_the_same_every_run_and_about_the_rate(flag_server):
    first = failing_codes(flag_server.url_for(errors=0.25))
    second = failing_codes(flag_server.url_for(errors=0.25))
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
    assert 0.18 < len(first) / len(ALL_CODES) < 0.32
    assert failing_codes(flag_server.url_for(errors=0)) == set()
    assert failing_codes(flag_server.url_for(errors=1)) == set(ALL_CODES)


def test_injected_error_is_503_with_a_reason_and_delay_combines(flag_server):
    failing = sorted(failing_codes(flag_server.url_for(errors=0.25)))
    cc = failing[0]
    for options in ("delay/0.2/errors/0.25", "errors/0.25/delay/0.2"):
        response, elapsed = timed_get(
            f"http://127.0.0.1:{flag_server.port}/{options}/flags/{cc}/{cc}.gif"
        )
        assert response.status_code == 503
        assert response.text == f"injected error for {cc!r} (errors rate 0.25)\n"
        assert elapsed >= 0.2


def test_health_and_usage(flag_server):
    assert httpx.get(f"http://127.0.0.1:{flag_server.port}/health").text == "flagserver ok\n"
    assert "/flags/{cc}/{cc}.gif" in httpx.get(f"http://127.0.0.1:{flag_server.port}/").text


def test_1000_concurrent_requests_at_no_delay_all_succeed(flag_server):
    async def fetch_all() -> list[tuple[int, bytes, bytes]]:
        targets = [f"/flags/{cc}/{cc}.gif" for cc in (ALL_CODES * 4)[:1000]]
        return await asyncio.gather(*(raw_get_async(flag_server.port, t) for t in targets))

    results = asyncio.run(fetch_all())
    assert len(results) == 1000
    assert all(status == 200 and body.startswith(b"GIF8") for status, _, body in results)


def start_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-u", "-m", "flagserver", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_binds_loopback_prints_url_and_stops_cleanly_on_ctrl_c():
    server = start_cli("--port", "0")
    ready = server.stdout.readline()
    assert ready.startswith("Flag server ready: http://127.0.0.1:")
    port = int(ready.split(":")[3].split("/")[0])
    assert raw_get(port, "/health")[0] == 200
    server.send_signal(signal.SIGINT)
    out, err = server.communicate(timeout=10)
    assert server.returncode == 0
    assert "Flag server stopped." in out
    assert "Traceback" not in err


def test_cli_on_a_taken_port_says_so_in_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = start_cli("--port", str(port))
        out, err = server.communicate(timeout=10)
    assert server.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err and err.count("\n") == 1


@pytest.mark.skipif(os.name == "nt", reason="SIGTERM is POSIX")
def test_cli_stops_on_sigterm():
    server = start_cli("--port", str(free_port()))
    assert server.stdout.readline().startswith("Flag server ready")
    server.terminate()
    server.communicate(timeout=10)
    assert server.returncode in (0, -signal.SIGTERM)


def test_keep_alive_responses_add_no_latency_of_their_own(flag_server):
    """Regression: without TCP_NODELAY each keep-alive response waited ~40 ms (Nagle)."""
    count, delay = 20, 0.05
    with httpx.Client(base_url=flag_server.url_for(delay=delay)) as client:
        client.get("/cn/cn.gif")
        start = time.perf_counter()
        for _ in range(count):
            client.get("/cn/cn.gif")
        elapsed = time.perf_counter() - start
    assert elapsed / (count * delay) < 1.5  # with the bug: ~1.8


def test_flags_index_lists_every_code_the_server_has(flag_server):
    response = httpx.get(f"{flag_server.url}/")
    assert response.status_code == 200
    assert response.text.split() == ALL_CODES
    delayed, elapsed = timed_get(f"{flag_server.url_for(delay=0.2, errors=0.5)}/")
    assert delayed.text == response.text and elapsed >= 0.2
