"""Reference solutions to the exercises of notebooks/04_robust_downloads.ipynb.

Try the exercise first: the check cell under it tells you in one line whether your answer works.
tests/test_exercises.py proves that each function here passes the same check.
"""

import asyncio
import time
from collections.abc import Iterable
from pathlib import Path

import httpx


def download_status(base_url: str, cc: str, timeout: float) -> str:
    """'OK' if the flag came, 'NOT_FOUND' for a 404, 'ERROR' for any other failure."""
    try:
        response = httpx.get(f"{base_url}/{cc}/{cc}.gif", timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPStatusError as error:
        return "NOT_FOUND" if error.response.status_code == 404 else "ERROR"
    except httpx.HTTPError:  # a timeout, a refused or lost connection...
        return "ERROR"
    return "OK"


def get_flag_retrying(
    client: httpx.Client, base_url: str, cc: str, attempts: int, backoff: float
) -> bytes | None:
    """The flag's bytes; a 5xx is tried again (attempts tries in all), a 404 gives None at once."""
    for n in range(attempts):
        response = client.get(f"{base_url}/{cc}/{cc}.gif")
        if not response.is_server_error:
            return response.content if response.is_success else None
        if n < attempts - 1:
            time.sleep(backoff * 2**n)  # 1, 2, 4... times backoff: let the server recover
    return None


def save_streamed(chunks: Iterable[bytes], path: Path) -> None:
    """Write the chunks to path: whole, or not at all (an older file at path stays)."""
    tmp = path.with_name(f"{path.name}.tmp")  # same folder: the rename stays atomic
    try:
        with tmp.open("wb") as file:
            for chunk in chunks:
                file.write(chunk)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


async def flag_within(base_url: str, cc: str, seconds: float) -> bytes | None:
    """The flag's bytes, or None if the whole answer did not come within `seconds`."""
    async with httpx.AsyncClient() as client:
        try:
            async with asyncio.timeout(seconds):  # one deadline for connect, wait and body
                response = await client.get(f"{base_url}/{cc}/{cc}.gif")
        except TimeoutError:
            return None
    response.raise_for_status()
    return response.content
