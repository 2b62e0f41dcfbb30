"""Reference solutions to the exercises of notebooks/06_shared_state.ipynb.

Try the exercise first: the check cell under it tells you in one line whether your answer works.
tests/test_exercises.py proves that each function here passes the same check.
"""

import asyncio
from typing import Any

import httpx


def add_many(box: Any, times: int) -> None:
    """Add 1 to box.value `times` times; other threads do the same with the same box."""
    for _ in range(times):
        with box.lock:  # read and write as one step: no other thread in between
            box.value = box.value + 1


async def get_flag_once(client: httpx.AsyncClient, cache: dict[str, Any], url: str) -> bytes:
    """The GIF at url, downloaded once however many tasks ask for it at the same time."""
    if url not in cache:  # no await between this check and the act: no other task in between
        cache[url] = asyncio.create_task(client.get(url))
    response = await cache[url]  # every task awaits the same Task: one request
    response.raise_for_status()
    return response.content


async def download_with_workers(base_url: str, codes: list[str], workers: int) -> list[str]:
    """Download the flags with `workers` worker tasks fed by a queue; return the codes done."""
    todo: asyncio.Queue[str] = asyncio.Queue()
    for cc in codes:
        todo.put_nowait(cc)
    done: list[str] = []

    async def worker(client: httpx.AsyncClient) -> None:
        while True:
            cc = await todo.get()
            try:
                response = await client.get(f"{base_url}/{cc}/{cc}.gif")
                response.raise_for_status()
                done.append(cc)
            finally:
                todo.task_done()

    async with httpx.AsyncClient() as client:
        tasks = [asyncio.create_task(worker(client)) for _ in range(workers)]
        try:
            await todo.join()  # every code taken and done
        finally:
            for task in tasks:
                task.cancel()  # they wait in todo.get() forever: stop them
            await asyncio.gather(*tasks, return_exceptions=True)
    return done
