"""A pipeline of asyncio queues: N workers download flags, 2 more process and save each one.

Download (N worker tasks, codes from a queue) -> process (size and main colour with Pillow,
in a thread: off the event loop) -> save. The queue between the stages is bounded, so the
downloaders wait when processing falls behind. Needs the course's flag server (start it with:
python -m flagserver). Sample run:

    $ python pipeline_asyncio.py 4
    BD 100x60 #006a4e  BR 100x70 #009b3a  CD 100x75 #007fff  CN 100x67 #ee1c25
    ...
    20 flags, 4 workers: 20 downloads in 0.15s
"""

import asyncio
import io
import signal
import sys
import time
from contextlib import suppress
from dataclasses import dataclass

import httpx
from PIL import Image

from flags_asyncio import get_flag
from flags_seq import (
    BASE_URL,
    DEST_DIR,
    POP20_CC,
    TIMEOUT,
    FlagsError,
    check_server,
    explain,
    save_flag,
)
from race_counter import stop

PROCESSORS = 2  # worker tasks that process and save the images
INTERRUPTED = 130  # the exit status after Ctrl-C: 128 + SIGINT


@dataclass(frozen=True)
class Flag:
    cc: str
    width: int
    height: int
    colour: str  # the most common colour, '#rrggbb'


def describe(cc: str, image: bytes) -> Flag:
    """Decode the GIF (CPU work: call it in a thread) and find its most common colour."""
    with Image.open(io.BytesIO(image)) as gif:
        rgb = gif.convert("RGB")
    _count, (r, g, b) = max(rgb.getcolors(maxcolors=rgb.width * rgb.height))
    return Flag(cc, rgb.width, rgb.height, f"#{r:02x}{g:02x}{b:02x}")


async def download_worker(
    client: httpx.AsyncClient, todo: asyncio.Queue[str], images: asyncio.Queue[tuple[str, bytes]]
) -> None:
    while True:  # stopped by cancellation once the queue is done
        cc = await todo.get()
        try:
            await images.put((cc, await get_flag(client, cc)))  # waits while `images` is full
        finally:
            todo.task_done()


async def process_worker(images: asyncio.Queue[tuple[str, bytes]], flags: list[Flag]) -> None:
    while True:
        cc, image = await images.get()
        try:
            flags.append(await asyncio.to_thread(describe, cc, image))
            await asyncio.to_thread(save_flag, image, f"{cc.lower()}.gif")
        finally:
            images.task_done()


async def supervisor(cc_list: list[str], workers: int) -> list[Flag]:
    todo: asyncio.Queue[str] = asyncio.Queue()
    images: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(maxsize=workers)
    for cc in cc_list:
        todo.put_nowait(cc)
    flags: list[Flag] = []
    async with httpx.AsyncClient() as client, asyncio.TaskGroup() as tg:  # a crash stops all
        tasks = [tg.create_task(download_worker(client, todo, images)) for _ in range(workers)]
        tasks += [tg.create_task(process_worker(images, flags)) for _ in range(PROCESSORS)]
        await todo.join()  # every code taken and its image queued
        await images.join()  # every image processed and saved
        for task in tasks:
            task.cancel()  # the workers wait in get() forever: stop them
    return sorted(flags, key=lambda flag: flag.cc)


def download_many(cc_list: list[str], workers: int) -> list[Flag]:
    with asyncio.Runner() as runner:  # asyncio.run, with SIGTERM seen by the event loop too
        with suppress(NotImplementedError):  # Windows has no add_signal_handler
            runner.get_loop().add_signal_handler(signal.SIGTERM, stop, signal.SIGTERM)
        return runner.run(supervisor(cc_list, workers))


def main(argv: list[str]) -> None:
    if len(argv) != 1 or not argv[0].isdigit() or int(argv[0]) < 1:
        sys.exit("usage: python pipeline_asyncio.py WORKERS   (a whole number, 1 or more)")
    workers = int(argv[0])
    try:
        check_server(BASE_URL, TIMEOUT)
        DEST_DIR.mkdir(exist_ok=True)
        t0 = time.perf_counter()
        flags = download_many(POP20_CC, workers)
    except* (httpx.HTTPError, FlagsError, OSError) as group:
        sys.exit(explain(group.exceptions[0]).strip())
    except* KeyboardInterrupt:  # Ctrl-C: asyncio.run has cancelled the supervisor and workers
        print("interrupted: the workers were cancelled", file=sys.stderr)
        sys.exit(INTERRUPTED)
    elapsed = time.perf_counter() - t0
    cells = [f"{f.cc} {f.width}x{f.height} {f.colour}" for f in flags]
    for row in range(0, len(cells), 4):
        print("  ".join(cells[row : row + 4]))
    print(f"{len(flags)} flags, {workers} workers: {len(flags)} downloads in {elapsed:.2f}s")


if __name__ == "__main__":
    main(sys.argv[1:])
