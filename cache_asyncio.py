"""A flag cache shared by tasks: check-then-act across an `await` downloads a flag many times.

Ten tasks per flag ask the cache at the same moment. `naive` checks the dict, awaits the
download, then stores it: every task misses. `lock` holds an asyncio.Lock per code around
check and download; `future` keeps one Future (a Task) per code, which every task awaits.
Needs the course's flag server (start it with: python -m flagserver). Sample run:

    $ python cache_asyncio.py naive
    naive: 30 lookups of 3 flags, 30 requests sent: {'br': 10, 'cn': 10, 'fr': 10} (0.23s)
    $ python cache_asyncio.py future
    future: 30 lookups of 3 flags, 3 requests sent: {'br': 1, 'cn': 1, 'fr': 1} (0.21s)

Ctrl-C or SIGTERM cancels every lookup: one line, exit status 130 or 143.
"""

import asyncio
import signal
import sys
import time
from collections import Counter, defaultdict
from contextlib import suppress

import httpx

from flags_seq import BASE_URL, TIMEOUT, FlagsError, check_server, explain, flag_image
from race_counter import stop

CODES = ["cn", "br", "fr"]
LOOKUPS = 10  # tasks asking for each flag at the same time


class FlagCache:
    """Naive: check the dict, await the download, store the image."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.images: dict[str, bytes] = {}

    async def download(self, cc: str) -> bytes:
        resp = await self.client.get(f"{BASE_URL}/{cc}/{cc}.gif", timeout=TIMEOUT)
        return flag_image(resp)

    async def get(self, cc: str) -> bytes:
        if cc not in self.images:  # check...
            self.images[cc] = await self.download(cc)  # ...then act, after an await
        return self.images[cc]

    async def close(self) -> None:
        """Nothing to stop: this cache starts no task of its own."""


class LockedCache(FlagCache):
    """One asyncio.Lock per code: the first task downloads, the others wait, then hit."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        super().__init__(client)
        self.locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def get(self, cc: str) -> bytes:
        async with self.locks[cc]:
            return await super().get(cc)


class FutureCache(FlagCache):
    """Single-flight: one Task per code; every lookup awaits the same one."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        super().__init__(client)
        self.pending: dict[str, asyncio.Task[bytes]] = {}

    async def get(self, cc: str) -> bytes:
        if cc not in self.pending:  # no await between this check and the act below
            self.pending[cc] = asyncio.create_task(self.download(cc))
        try:
            return await asyncio.shield(self.pending[cc])  # one cancelled lookup: not all
        except httpx.HTTPError:
            self.pending.pop(cc, None)  # a failure is not cached: the next lookup retries
            raise

    async def close(self) -> None:
        """Stop the downloads no lookup waits for any more (after Ctrl-C): a task has an owner."""
        for task in self.pending.values():
            task.cancel()  # does nothing to a task that is done
        await asyncio.gather(*self.pending.values(), return_exceptions=True)  # retrieve errors


CACHES = {"naive": FlagCache, "lock": LockedCache, "future": FutureCache}


async def lookups(kind: str, codes: list[str], times: int) -> Counter[str]:
    """Ask the cache for each code `times` times at once; count the requests sent per code."""
    sent: Counter[str] = Counter()

    async def count(request: httpx.Request) -> None:
        sent[request.url.path.rsplit("/", 1)[-1].removesuffix(".gif")] += 1

    async with httpx.AsyncClient(event_hooks={"request": [count]}) as client:
        cache = CACHES[kind](client)
        try:
            async with asyncio.TaskGroup() as tg:
                for cc in codes * times:
                    tg.create_task(cache.get(cc))
        finally:
            await cache.close()  # before the client: no download outlives it
    return sent


def main(argv: list[str]) -> None:
    if len(argv) != 1 or argv[0] not in CACHES:
        sys.exit(f"usage: python cache_asyncio.py {{{'|'.join(CACHES)}}}")
    kind = argv[0]
    signal.signal(signal.SIGTERM, stop)  # one line, exit status 143 (130 after Ctrl-C: below)
    try:
        check_server(BASE_URL, TIMEOUT)
        t0 = time.perf_counter()
        with asyncio.Runner() as runner:  # asyncio.run, with SIGTERM seen by the event loop too
            with suppress(NotImplementedError):  # Windows has no add_signal_handler
                runner.get_loop().add_signal_handler(signal.SIGTERM, stop, signal.SIGTERM)
            sent = runner.run(lookups(kind, CODES, LOOKUPS))
    except* (httpx.HTTPError, FlagsError) as group:
        sys.exit(explain(group.exceptions[0]).strip())
    except* KeyboardInterrupt:  # Ctrl-C: the runner has cancelled every lookup
        stop(signal.SIGINT)
    elapsed = time.perf_counter() - t0
    print(
        f"{kind}: {len(CODES) * LOOKUPS} lookups of {len(CODES)} flags, "
        f"{sum(sent.values())} requests sent: {dict(sorted(sent.items()))} ({elapsed:.2f}s)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
