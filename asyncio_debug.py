"""Two mistakes asyncio's debug mode reports: a blocking call and a coroutine never awaited.

`blocks()` calls time.sleep inside a coroutine: the loop runs nothing else meanwhile. In debug
mode (asyncio.run(..., debug=True), or PYTHONASYNCIODEBUG=1, or python -X dev) the loop times
every callback and logs those slower than loop.slow_callback_duration (0.1 s by default).
`forgotten()` is called but never awaited: Python warns when the coroutine object is thrown
away; debug mode adds where it was created. Sample run:

    $ PYTHONASYNCIODEBUG=1 python asyncio_debug.py
    ticks while blocked: 0 in 0.30 s (a free loop: 6)
    asyncio_debug.py:42: RuntimeWarning: coroutine 'forgotten' was never awaited
    ...
    Executing <Task finished name='blocks' coro=<blocks() done, ...> took 0.301 seconds
"""

import asyncio
import time

BLOCK = 0.3  # seconds blocks() holds the loop with time.sleep
TICK = 0.05  # seconds between the ticker's ticks, when the loop is free


async def blocks() -> None:
    time.sleep(BLOCK)  # noqa: ASYNC251  (the mistake shown: a blocking call in a coroutine)


async def ticker(ticks: list[float]) -> None:
    while True:
        ticks.append(time.perf_counter())
        await asyncio.sleep(TICK)


async def forgotten() -> None:
    print("never printed: this coroutine never runs")


async def main() -> None:
    ticks: list[float] = []
    tick_task = asyncio.create_task(ticker(ticks))
    await asyncio.sleep(0)  # the ticker has ticked once
    t0 = time.perf_counter()
    forgotten()  # the mistake shown: called, not awaited
    await asyncio.create_task(blocks(), name="blocks")
    seconds = time.perf_counter() - t0
    free = BLOCK / TICK
    print(f"ticks while blocked: {len(ticks) - 1} in {seconds:.2f} s (a free loop: {free:.0f})")
    tick_task.cancel()


if __name__ == "__main__":
    asyncio.run(main())  # debug mode if PYTHONASYNCIODEBUG=1 or python -X dev
