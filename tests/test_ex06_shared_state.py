"""course.exercises.ex06_shared_state: wrong answers to notebook 06 get a helpful line."""

import asyncio
import threading

import httpx

from course.exercises import EXERCISES, verify
from course.exercises.ex06_shared_state import Box, add_from_threads


def test_there_are_exercises_for_the_shared_state_notebook():
    assert {"add_many", "get_flag_once", "download_with_workers"} <= set(EXERCISES)


def test_the_box_loses_updates_without_its_lock_in_10_of_10_runs():
    def unsafe(box: Box, times: int) -> None:
        for _ in range(times):
            box.value += 1

    assert all(add_from_threads(unsafe) < 1200 for _ in range(10))


def test_a_lock_of_its_own_protects_nothing(flag_server):
    def own_lock(box: Box, times: int) -> None:
        lock = threading.Lock()  # each thread has its own: no one waits for anyone
        for _ in range(times):
            with lock:
                box.value += 1

    passed, line = verify("add_many", own_lock, flag_server)
    assert not passed
    assert "потеряно" in line and "with box.lock:" in line


def test_one_lock_for_all_urls_is_told_to_take_one_per_url(flag_server):
    lock = asyncio.Lock()

    async def get_flag_once(client: httpx.AsyncClient, cache: dict, url: str) -> bytes:
        async with lock:  # right count, but the 3 flags one after another
            if url not in cache:
                cache[url] = (await client.get(url)).content
        return cache[url]

    passed, line = verify("get_flag_once", get_flag_once, flag_server)
    assert not passed
    assert "по очереди" in line


def test_wrong_bytes_are_named(flag_server):
    async def get_flag_once(client: httpx.AsyncClient, cache: dict, url: str) -> bytes:
        return b"GIF89a"

    passed, line = verify("get_flag_once", get_flag_once, flag_server)
    assert not passed
    assert "не те байты" in line


def test_too_many_workers_are_seen_in_the_rounds(flag_server):
    async def download_with_workers(base_url: str, codes: list[str], workers: int) -> list[str]:
        async with httpx.AsyncClient() as client:
            await asyncio.gather(*(client.get(f"{base_url}/{cc}/{cc}.gif") for cc in codes))
        return codes

    passed, line = verify("download_with_workers", download_with_workers, flag_server)
    assert not passed
    assert "больше 2" in line
