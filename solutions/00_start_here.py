"""Reference solutions to the exercises of notebooks/00_start_here.ipynb.

Try the exercise first: the check cell under it tells you in one line whether your answer works.
tests/test_exercises.py proves that each function here passes the same check.
"""

import httpx


def flag_sizes(base_url: str, codes: list[str]) -> dict[str, int]:
    """Download the flag of each code; return {code: size of its GIF in bytes}."""
    sizes = {}
    for cc in codes:
        response = httpx.get(f"{base_url}/{cc}/{cc}.gif")
        response.raise_for_status()
        sizes[cc] = len(response.content)
    return sizes


def scenario_url(root: str, delay: float = 0, errors: float = 0) -> str:
    """The base URL of the flags on the server at root, with that latency and share of errors."""
    options = ""
    if delay:
        options += f"/delay/{delay}"
    if errors:
        options += f"/errors/{errors}"
    return f"{root}{options}/flags"


def split_ok_failed(base_url: str, codes: list[str]) -> tuple[list[str], list[str]]:
    """Download every flag; return (codes downloaded, codes that failed), in the order of codes."""
    ok: list[str] = []
    failed: list[str] = []
    with httpx.Client(base_url=base_url) as client:
        for cc in codes:
            try:
                client.get(f"/{cc}/{cc}.gif").raise_for_status()
            except httpx.HTTPStatusError:
                failed.append(cc)
            else:
                ok.append(cc)
    return ok, failed
