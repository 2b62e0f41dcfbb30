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
    assert "TimeoutError вылетел наружу" in line


def test_requests_one_after_another_are_told_to_use_a_task_group(flag_server):
    async def one_by_one(base_url: str, codes: list[str]) -> dict[str, int]:
        async with httpx.AsyncClient() as client:
            return {
                cc: len((await client.get(f"{base_url}/{cc}/{cc}.gif")).content) for cc in codes
            }

    passed, line = verify("flag_sizes_at_once", one_by_one, flag_server)
    assert not passed
    assert "шли один за другим" in line and "tg.create_task" in line


def test_a_missing_semaphore_is_told_to_hold_it_around_each_request(flag_server):
    async def unlimited(base_url: str, codes: list[str], limit: int) -> list[str]:
        async with httpx.AsyncClient() as client:
            await asyncio.gather(*(client.get(f"{base_url}/{cc}/{cc}.gif") for cc in codes))
        return codes

    passed, line = verify("download_limited", unlimited, flag_server)
    assert not passed
    assert "одновременно шло больше 2" in line and "async with semaphore:" in line


def test_a_quick_answer_that_is_not_ok_is_named(flag_server):
    async def always_timeout(base_url: str, cc: str, seconds: float) -> str:
        return "timeout"

    passed, line = verify("status_with_timeout", always_timeout, flag_server)
    assert not passed
    assert line == (
        "✗ status_with_timeout: вернула 'timeout' для 'cn' с быстрого сервера, а должно быть 'ok'"
    )


def test_a_client_per_flag_is_told_to_share_one(flag_server):
    async def client_per_task(base_url: str, codes: list[str]) -> dict[str, int]:
        async def size(cc: str) -> int:
            async with httpx.AsyncClient() as client:
                return len((await client.get(f"{base_url}/{cc}/{cc}.gif")).content)

        async with asyncio.TaskGroup() as tg:
            tasks = {cc: tg.create_task(size(cc)) for cc in codes}
        return {cc: task.result() for cc, task in tasks.items()}

    passed, line = verify("flag_sizes_at_once", client_per_task, flag_server)
    assert not passed
    assert "клиентов httpx.AsyncClient было 5" in line
    assert httpx.AsyncClient.__init__.__name__ == "__init__"  # the class is itself again
