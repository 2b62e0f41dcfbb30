"""course.exercises.ex03_asyncio: wrong answers to notebook 03's exercises get a helpful line."""

import asyncio

import httpx

from course.exercises import EXERCISES, verify


def test_there_are_exercises_for_the_asyncio_notebook():
    assert {"status_with_timeout", "download_limited", "flag_sizes_at_once"} <= set(EXERCISES)


def test_an_escaping_timeout_is_named_in_the_message(flag_server):
    async def raises(base_url: str, cc: str, seconds: float) -> str:
        async with httpx.AsyncClient() as client, asyncio.timeout(seconds):
            await client.get(f"{base_url}/{cc}/{cc}.gif")
        return "ok"

    passed, line = verify("status_with_timeout", raises, flag_server)
    assert not passed
    assert "the TimeoutError escaped" in line
