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


def download_bounded(base_url: str, codes: list[str], max_workers: int) -> list[str]:
    """Download every flag, at most max_workers at a time; return the codes as they finished."""
    with futures.ThreadPoolExecutor(max_workers=max_workers) as pool:
        to_do = {pool.submit(httpx.get, f"{base_url}/{cc}/{cc}.gif"): cc for cc in codes}
        done = []
        for future in futures.as_completed(to_do):
            future.result().raise_for_status()
            done.append(to_do[future])
        return done
