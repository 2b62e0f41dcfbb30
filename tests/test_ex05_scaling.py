"""course.exercises.ex05_scaling: wrong answers to notebook 05's exercises."""

import asyncio

import httpx

from course.exercises import verify


def test_a_limit_without_whole_waves_is_caught_with_the_hint():
    passed, line = verify("limit_seconds", lambda n, c, d: n / c * d, None)
    assert not passed
    assert "limit_seconds(1001, 100, 0.1) returned 1.001, expected 1.1" in line
    assert "math.ceil(n / concurrency)" in line


def test_an_answer_that_is_not_a_number_is_caught():
    passed, line = verify("limit_seconds", lambda n, c, d: "1 s", None)
    assert not passed
    assert "expected a number of seconds" in line


def test_a_client_per_request_is_caught(flag_server):
    async def client_per_request(base_url: str, codes: list[str], concurrency: int) -> list:
        semaphore = asyncio.Semaphore(concurrency)

        async def get_flag(cc: str) -> bytes:
            async with semaphore, httpx.AsyncClient() as client:
                response = await client.get(f"{base_url}/{cc}/{cc}.gif")
            return response.content

        return await asyncio.gather(*(get_flag(cc) for cc in codes))

    passed, line = verify("fetch_all", client_per_request, flag_server)
    assert not passed
    assert "40 httpx.AsyncClient were made for 40 requests" in line
    assert httpx.AsyncClient.__init__.__qualname__ == "AsyncClient.__init__"  # unwrapped again
