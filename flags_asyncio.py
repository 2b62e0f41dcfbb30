"""Download the flags of the 20 most populous countries with asyncio and httpx.AsyncClient.

Needs the course's flag server (start it with: python -m flagserver).
Sample run:

    $ python flags_asyncio.py
    DE BD CN JP ID EG NG BR RU CD IR MX US PH FR PK VN IN ET TR
    20 downloads in 0.21s
"""

import asyncio
import signal
from collections.abc import Coroutine
from types import FrameType

from httpx import AsyncClient

from flags_seq import BASE_URL, TIMEOUT, Terminated, flag_image, main, save_flag


async def download_one(client: AsyncClient, cc: str) -> str:
    image = await get_flag(client, cc)
    await asyncio.to_thread(save_flag, image, f"{cc.lower()}.gif")
    print(cc, end=" ", flush=True)
    return cc


async def get_flag(client: AsyncClient, cc: str) -> bytes:
    cc = cc.lower()
    url = f"{BASE_URL}/{cc}/{cc}.gif"
    async with asyncio.timeout(TIMEOUT):  # a deadline for it all: httpx's is for each read
        resp = await client.get(url, timeout=TIMEOUT, follow_redirects=True)  # body included
    return flag_image(resp)  # a 200 text/html page is no flag


async def supervisor(cc_list: list[str]) -> int:
    async with AsyncClient() as client:
        to_do = [download_one(client, cc) for cc in sorted(cc_list)]
        res = await asyncio.gather(*to_do)
    return len(res)


def download_many(cc_list: list[str]) -> int:
    return run_stoppable(supervisor(cc_list))


def run_stoppable(coro: Coroutine[None, None, int]) -> int:
    """asyncio.run(coro), stopped by SIGTERM as by Ctrl-C: the task is cancelled, main() says so."""
    try:
        return asyncio.run(cancelled_on_sigterm(coro))  # Ctrl-C: KeyboardInterrupt
    except asyncio.CancelledError:  # only SIGTERM cancels the main task this way
        raise Terminated from None


async def cancelled_on_sigterm(coro: Coroutine[None, None, int]) -> int:
    """Await coro; meanwhile SIGTERM cancels this task, as asyncio.run does it for Ctrl-C."""
    loop, task = asyncio.get_running_loop(), asyncio.current_task()

    def cancel(signum: int, frame: FrameType | None) -> None:
        task.cancel()  # at once, even while a blocking call holds the loop
        loop.call_soon_threadsafe(lambda: None)  # and wake the loop if it waits for sockets

    previous = signal.signal(signal.SIGTERM, cancel)
    try:
        return await coro
    finally:
        signal.signal(signal.SIGTERM, previous)  # main()'s handler again


if __name__ == "__main__":
    main(download_many)
