"""A tiny event loop: a Future with __await__, a Task that drives a coroutine, a ready queue,
timers in a heap and a selector. The same parts as asyncio's, small enough to read whole.

    >>> loop = Loop()
    >>> async def answer(loop: Loop) -> int:
    ...     future = loop.create_future()
    ...     loop.call_later(0.1, future.set_result, 42)  # a timer resolves it
    ...     return await future                           # the task waits here
    >>> loop.run_until_complete(answer(loop))
    42

It counts its work: `iterations` of the loop, `selects` (calls of select()), `woke` (what
each call woke: readable or writable sockets, timers), `slowest` (the longest callback: while
it ran, nothing else could) and `late` (how much later than asked the latest timer ran).
"""

import heapq
import itertools
import selectors
import socket
import time
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Generator
from typing import Any


class Handle:
    """A callback and its arguments, waiting in the ready queue or (with `when`) in the heap."""

    def __init__(self, when: float, callback: Callable[..., Any], args: tuple) -> None:
        self.when, self.callback, self.args, self.cancelled = when, callback, args, False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: "Handle") -> bool:  # heapq orders the timers by their time
        return self.when < other.when


class Future:
    """A result that is not there yet: tasks await it, someone else sets it."""

    def __init__(self, loop: "Loop") -> None:
        self.loop, self.done = loop, False
        self.value: Any = None
        self.error: BaseException | None = None
        self.callbacks: list[Callable[[Future], Any]] = []

    def set_result(self, value: Any) -> None:
        self.value = value
        self.finish()

    def set_exception(self, error: BaseException) -> None:
        self.error = error
        self.finish()

    def finish(self) -> None:
        if self.done:
            raise RuntimeError("this future already has its result")
        self.done = True
        for callback in self.callbacks:  # not called now: queued, like asyncio does
            self.loop.call_soon(callback, self)

    def add_done_callback(self, callback: Callable[["Future"], Any]) -> None:
        if self.done:
            self.loop.call_soon(callback, self)
        else:
            self.callbacks.append(callback)

    def result(self) -> Any:
        if not self.done:
            raise RuntimeError("the result is not there yet: await the future first")
        if self.error is not None:
            raise self.error
        return self.value

    def __await__(self) -> Generator["Future", None, Any]:
        if not self.done:
            yield self  # up through every `await` to the Task: "wake me when this is done"
        return self.result()


class Task(Future):
    """Drives a coroutine: one step to its next `await` of a Future, then waits for that one."""

    def __init__(self, coro: Coroutine[Any, Any, Any], loop: "Loop") -> None:
        super().__init__(loop)
        self.coro = coro
        loop.call_soon(self.step, None, None)

    def step(self, value: Any, error: BaseException | None) -> None:
        try:
            waited = self.coro.send(value) if error is None else self.coro.throw(error)
        except StopIteration as stop:  # the coroutine returned
            self.set_result(stop.value)
        except Exception as failure:  # noqa: BLE001  (it goes to whoever awaits the task)
            self.set_exception(failure)
        else:
            waited.add_done_callback(self.wakeup)

    def wakeup(self, future: Future) -> None:
        try:
            value = future.result()
        except Exception as error:  # noqa: BLE001  (thrown into the coroutine at its await)
            self.step(None, error)
        else:
            self.step(value, None)


class Loop:
    """Run callbacks: the ready ones now, timers when due, socket callbacks when select() says."""

    def __init__(self) -> None:
        self.ready: deque[Handle] = deque()
        self.timers: list[Handle] = []  # a heap: the next timer is timers[0]
        self.selector = selectors.DefaultSelector()  # epoll on Linux, kqueue on macOS
        self.tasks: list[Task] = []
        self.iterations = self.selects = 0
        self.woke: Counter[str] = Counter()
        self.slowest = self.late = 0.0
        self.order = itertools.count()

    def time(self) -> float:
        return time.monotonic()

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> Handle:
        self.ready.append(handle := Handle(self.time(), callback, args))
        return handle

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Handle:
        heapq.heappush(self.timers, handle := Handle(self.time() + delay, callback, args))
        return handle

    def create_future(self) -> Future:
        return Future(self)

    def create_task(self, coro: Coroutine[Any, Any, Any]) -> Task:
        self.tasks.append(task := Task(coro, self))
        return task

    def wait_for(self, sock: socket.socket, event: int, deadline: float) -> Future:
        """A future set when sock is ready (EVENT_READ or EVENT_WRITE), TimeoutError at deadline."""
        future = self.create_future()

        def ready() -> None:
            self.selector.unregister(sock)
            timer.cancel()
            future.set_result(None)

        def too_late() -> None:
            self.selector.unregister(sock)
            future.set_exception(TimeoutError("no answer before the deadline"))

        timer = self.call_later(deadline - self.time(), too_late)
        self.selector.register(sock, event, ready)
        return future

    def run_once(self) -> None:
        """One iteration: wait for sockets or the next timer, then run what is ready."""
        self.iterations += 1
        timeout = None if not self.timers else max(self.timers[0].when - self.time(), 0)
        if self.ready:
            timeout = 0
        if self.selector.get_map():
            self.selects += 1
            for key, mask in self.selector.select(timeout):
                self.woke["readable" if mask & selectors.EVENT_READ else "writable"] += 1
                self.ready.append(Handle(self.time(), key.data, ()))
        elif timeout:
            time.sleep(timeout)  # no socket to watch: only a timer to wait for
        while self.timers and self.timers[0].when <= self.time():
            timer = heapq.heappop(self.timers)
            if not timer.cancelled:
                self.woke["timer"] += 1
                self.late = max(self.late, self.time() - timer.when)
                self.ready.append(timer)
        for _ in range(len(self.ready)):  # only these: what they schedule waits for the next round
            handle = self.ready.popleft()
            if not handle.cancelled:
                start = time.perf_counter()
                handle.callback(*handle.args)
                self.slowest = max(self.slowest, time.perf_counter() - start)

    def run_until_complete(self, coro: Coroutine[Any, Any, Any]) -> Any:
        task = self.create_task(coro)
        try:
            while not task.done:
                if not (self.ready or self.timers or self.selector.get_map()):
                    raise RuntimeError("nothing to wait for: a future that no one will set")
                self.run_once()
            return task.result()
        finally:
            self.close()

    def close(self) -> None:
        """Close the coroutines still running (their `with` blocks close sockets), the selector."""
        for task in self.tasks:
            if not task.done:
                task.coro.close()
        self.selector.close()


def run(coro: Coroutine[Any, Any, Any], loop: Loop | None = None) -> Any:
    """Like asyncio.run: run coro in a new loop (or the one given) until it returns."""
    return (loop or Loop()).run_until_complete(coro)
