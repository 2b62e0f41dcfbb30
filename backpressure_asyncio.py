"""A fast producer and a slow consumer joined by an asyncio.Queue: backpressure, or none.

The producer makes ITEMS chunks of 100 KiB at once; the consumer takes CONSUME seconds for
each. Unbounded (maxsize 0), the queue holds almost everything; bounded, put() waits until the
consumer has taken an item, so the queue and the memory stay small. Sample run:

    $ python backpressure_asyncio.py 0
    maxsize 0: peak queue length 200, peak memory 19.5 MiB
    producer done after 0.01 s, all done after 0.44 s
    $ python backpressure_asyncio.py 10
    maxsize 10: peak queue length 10, peak memory 1.2 MiB
    producer done after 0.41 s, all done after 0.44 s

Ctrl-C or SIGTERM cancels both tasks: one line, exit status 130 or 143.
"""

import asyncio
import signal
import sys
import time
import tracemalloc
from contextlib import suppress

from race_counter import stop

ITEMS = 200
ITEM_SIZE = 100 * 1024  # bytes
CONSUME = 0.002  # seconds the consumer spends on each item
MiB = 1024 * 1024


async def produce(queue: asyncio.Queue[bytes | None], peak: list[int]) -> None:
    for _ in range(ITEMS):
        await queue.put(bytes(ITEM_SIZE))  # with a maxsize: waits while the queue is full
        peak[0] = max(peak[0], queue.qsize())
    await queue.put(None)  # a sentinel: no more items


async def consume(queue: asyncio.Queue[bytes | None]) -> int:
    taken = 0
    while (item := await queue.get()) is not None:
        await asyncio.sleep(CONSUME)  # the slow part: work with the item
        taken += len(item) > 0
    return taken


async def supervisor(maxsize: int) -> tuple[int, float, float, float]:
    """(peak queue length, peak MiB, seconds until the producer was done, until all was)."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=maxsize)
    peak = [0]
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        async with asyncio.TaskGroup() as tg:
            consumer = tg.create_task(consume(queue))
            await produce(queue, peak)
            produced = time.perf_counter() - t0
        assert consumer.result() == ITEMS
        memory = tracemalloc.get_traced_memory()[1] / MiB
    finally:
        tracemalloc.stop()
    return peak[0], memory, produced, time.perf_counter() - t0


def main(argv: list[str]) -> None:
    if len(argv) != 1 or not argv[0].isdigit():
        sys.exit("usage: python backpressure_asyncio.py MAXSIZE   (0: unbounded)")
    maxsize = int(argv[0])
    try:
        with asyncio.Runner() as runner:  # asyncio.run, with SIGTERM seen by the event loop too
            with suppress(NotImplementedError):  # Windows has no add_signal_handler
                runner.get_loop().add_signal_handler(signal.SIGTERM, stop, signal.SIGTERM)
            length, memory, produced, total = runner.run(supervisor(maxsize))
    except KeyboardInterrupt:  # Ctrl-C: the runner has cancelled the tasks
        stop(signal.SIGINT)
    print(
        f"maxsize {maxsize}: peak queue length {length}, peak memory {memory:.1f} MiB\n"
        f"producer done after {produced:.2f} s, all done after {total:.2f} s"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
