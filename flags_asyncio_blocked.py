"""Experiment: download_one calls the blocking flags_seq.get_flag, so the event loop waits.

Everything else is as in flags_asyncio.py: tasks, gather, one AsyncClient (unused now). The
flags arrive one by one, in order, like in flags_seq.py.
Sample run:

    $ python flags_asyncio_blocked.py
    BD BR CD CN DE EG ET FR ID IN IR JP MX NG PH PK RU TR US VN
    20 downloads in 5.12s
"""

import asyncio

from httpx import AsyncClient

import flags_seq
from flags_asyncio import run_stoppable
from flags_seq import main, save_flag


async def download_one(client: AsyncClient, cc: str) -> str:
    image = flags_seq.get_flag(cc)  # httpx.get blocks: no await, the loop stands still
    await asyncio.to_thread(save_flag, image, f"{cc.lower()}.gif")
    print(cc, end=" ", flush=True)
    return cc


async def supervisor(cc_list: list[str]) -> int:
    async with AsyncClient() as client:
        to_do = [download_one(client, cc) for cc in sorted(cc_list)]
        res = await asyncio.gather(*to_do)
    return len(res)


def download_many(cc_list: list[str]) -> int:
    return run_stoppable(supervisor(cc_list))


if __name__ == "__main__":
    main(download_many)
