"""The benchmark's download variants: the same job, N flags with at most C in flight.

Each variant downloads every URL and returns the number of bytes it received (a non-2xx
status raises). They follow the course's scripts (flags2_threadpool.py, flags2_asyncio.py):

    sequential      one httpx.Client, one request after another
    threads         ThreadPoolExecutor(max_workers=C) sharing one httpx.Client (C connections)
    httpx           asyncio: httpx.AsyncClient(limits=C connections) + asyncio.Semaphore(C)
    httpx+aiohttp   the same code, with the client built on the httpx-aiohttp transport
    httpx2          the same code on httpx2, the maintained fork of httpx (same API)
    aiohttp         asyncio: aiohttp.ClientSession(TCPConnector(limit=C)) + Semaphore(C)

Flags are read into memory, not saved: this measures the HTTP side of each model.
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import httpx

from flagserver import FLAGS_DIR

TIMEOUT = 60.0  # seconds for one request, queueing included: generous, the cliff is slow
VARIANTS = ["sequential", "threads", "httpx", "httpx+aiohttp", "httpx2", "aiohttp"]
ASYNC_HTTPX = ["httpx", "httpx+aiohttp", "httpx2"]  # one asyncio code, three clients


def flag_codes() -> list[str]:
    """Every code the server has, sorted: ['ad', 'ae', ...]."""
    return sorted(path.stem for path in FLAGS_DIR.glob("*.gif"))


def flag_urls(base_url: str, n: int) -> list[str]:
    """N flag URLs; the server's codes are reused cyclically when N is larger than their count."""
    codes = flag_codes()
    return [f"{base_url}/{cc}/{cc}.gif" for cc in (codes[i % len(codes)] for i in range(n))]


def get_sync(client: httpx.Client, url: str) -> int:
    resp = client.get(url)
    resp.raise_for_status()
    return len(resp.content)


def download_sequential(urls: list[str], concurrency: int) -> int:
    with httpx.Client(timeout=TIMEOUT) as client:
        return sum(get_sync(client, url) for url in urls)


def download_threads(urls: list[str], concurrency: int) -> int:
    limits = httpx.Limits(max_connections=concurrency)
    with (
        httpx.Client(timeout=TIMEOUT, limits=limits) as client,
        ThreadPoolExecutor(max_workers=concurrency) as executor,
    ):
        return sum(executor.map(partial(get_sync, client), urls))


def make_async_client(concurrency: int, variant: str = "httpx") -> httpx.AsyncClient:
    """An AsyncClient for C requests at a time, with the httpx API, in three builds:
    httpx's own connection pool, httpx on aiohttp's pool, or httpx2 (the maintained fork)."""
    if variant == "httpx2":
        import httpx2

        return httpx2.AsyncClient(
            timeout=TIMEOUT, limits=httpx2.Limits(max_connections=concurrency)
        )
    limits = httpx.Limits(max_connections=concurrency)
    if variant == "httpx+aiohttp":
        from httpx_aiohttp import AiohttpTransport

        return httpx.AsyncClient(timeout=TIMEOUT, transport=AiohttpTransport(limits=limits))
    return httpx.AsyncClient(timeout=TIMEOUT, limits=limits)


async def fetch_all(client: httpx.AsyncClient, urls: list[str], concurrency: int) -> int:
    """The course's asyncio downloader, reduced to its HTTP part (as in flags2_asyncio.py)."""
    semaphore = asyncio.Semaphore(concurrency)

    async def get_one(url: str) -> int:
        async with semaphore:
            resp = await client.get(url)
        resp.raise_for_status()
        return len(resp.content)

    return sum(await asyncio.gather(*(get_one(url) for url in urls)))


async def httpx_supervisor(urls: list[str], concurrency: int, variant: str) -> int:
    async with make_async_client(concurrency, variant) as client:
        return await fetch_all(client, urls, concurrency)


async def aiohttp_supervisor(urls: list[str], concurrency: int) -> int:
    import aiohttp

    semaphore = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def get_one(url: str) -> int:
            async with semaphore, session.get(url) as resp:
                resp.raise_for_status()
                return len(await resp.read())

        return sum(await asyncio.gather(*(get_one(url) for url in urls)))


def asyncio_downloader(variant: str) -> Callable[[list[str], int], int]:
    """download(urls, C) for one of ASYNC_HTTPX: the same asyncio code, that variant's client."""
    return lambda urls, concurrency: asyncio.run(httpx_supervisor(urls, concurrency, variant))


DOWNLOADERS: dict[str, Callable[[list[str], int], int]] = {
    "sequential": download_sequential,
    "threads": download_threads,
    "httpx": asyncio_downloader("httpx"),
    "httpx+aiohttp": asyncio_downloader("httpx+aiohttp"),
    "httpx2": asyncio_downloader("httpx2"),
    "aiohttp": lambda urls, c: asyncio.run(aiohttp_supervisor(urls, c)),
}


# What each variant imports on its first use (httpx loads httpcore only when it builds its
# transport). run_here imports them before it starts the clock: loading a library is a cost of
# starting Python, paid once per process (aiohttp alone takes ~0.3 s on a slow machine), not
# a cost of downloading. Otherwise the variants on aiohttp would pay it inside their time.
LIBRARIES = {
    "sequential": ["httpcore"],
    "threads": ["httpcore"],
    "httpx": ["httpcore"],
    "httpx+aiohttp": ["httpx_aiohttp"],
    "httpx2": ["httpx2", "httpcore2"],
    "aiohttp": ["aiohttp"],
}
DISTRIBUTIONS = ["httpx", "httpcore", "httpx2", "httpcore2", "httpx-aiohttp", "aiohttp"]


def library_versions() -> str:
    """The installed versions of the clients measured: 'httpx 0.29.0, httpx2 2.16.2, ...'."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return ", ".join(f"{name} {installed(name)}" for name in DISTRIBUTIONS)
