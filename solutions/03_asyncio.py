"""Reference solutions to the exercises of notebooks/03_asyncio.ipynb.

Try the exercise first: the check cell under it tells you in one line whether your answer works.
tests/test_exercises.py proves that each function here passes the same check.
"""

import asyncio

import httpx


async def status_with_timeout(base_url: str, cc: str, seconds: float) -> str:
    """'ok' if the flag arrived within `seconds`, else 'timeout'."""
    async with httpx.AsyncClient() as client:
        try:
            async with asyncio.timeout(seconds):
                response = await client.get(f"{base_url}/{cc}/{cc}.gif")
        except TimeoutError:
            return "timeout"
    response.raise_for_status()
    return "ok"


async def download_limited(base_url: str, codes: list[str], limit: int) -> list[str]:
    """Download every flag, at most `limit` requests at once; return the codes as they finished."""
    semaphore = asyncio.Semaphore(limit)
    done: list[str] = []

    async def download_one(client: httpx.AsyncClient, cc: str) -> None:
        async with semaphore:
            response = await client.get(f"{base_url}/{cc}/{cc}.gif")
        response.raise_for_status()
        done.append(cc)

    async with httpx.AsyncClient() as client:
        await asyncio.gather(*(download_one(client, cc) for cc in codes))
    return done


async def flag_sizes_at_once(base_url: str, codes: list[str]) -> dict[str, int]:
    """Download all the flags at the same time; return {code: size of its GIF in bytes}."""

    async def size(client: httpx.AsyncClient, cc: str) -> int:
        response = await client.get(f"{base_url}/{cc}/{cc}.gif")
        response.raise_for_status()
        return len(response.content)

    async with httpx.AsyncClient() as client:
        async with asyncio.TaskGroup() as tg:
            tasks = {cc: tg.create_task(size(client, cc)) for cc in codes}
    return {cc: task.result() for cc, task in tasks.items()}
