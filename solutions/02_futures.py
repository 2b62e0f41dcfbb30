"""Reference solutions to the exercises of notebooks/02_futures.ipynb.

Try the exercise first: the check cell under it tells you in one line whether your answer works.
tests/test_exercises.py proves that each function here passes the same check.
"""

from concurrent import futures

import httpx


def get_gif(base_url: str, cc: str) -> str:
    """Download one flag; return its code."""
    httpx.get(f"{base_url}/{cc}/{cc}.gif").raise_for_status()
    return cc


def finishing_order(jobs: dict[str, str]) -> list[str]:
    """Download the flag of each code from its own base URL; return the codes as they finished."""
    with futures.ThreadPoolExecutor() as pool:
        to_do = [pool.submit(get_gif, base_url, cc) for cc, base_url in jobs.items()]
        return [future.result() for future in futures.as_completed(to_do)]


def download_with_timeout(base_url: str, cc: str, seconds: float) -> bytes | None:
    """The flag's GIF, or None when the server does not answer within `seconds`."""
    try:
        response = httpx.get(f"{base_url}/{cc}/{cc}.gif", timeout=seconds)
    except httpx.TimeoutException:
        return None
    response.raise_for_status()
    return response.content


def downloaded_and_failed(base_url: str, codes: list[str]) -> tuple[list[str], list[str]]:
    """Download every flag in a pool of threads; return (codes downloaded, codes that failed)."""
    downloaded, failed = [], []
    with futures.ThreadPoolExecutor() as pool:
        to_do = {pool.submit(get_gif, base_url, cc): cc for cc in codes}
        for future in futures.as_completed(to_do):
            if future.exception() is None:  # the error raised in the worker waits in its future
                downloaded.append(to_do[future])
            else:
                failed.append(to_do[future])
    return downloaded, failed
