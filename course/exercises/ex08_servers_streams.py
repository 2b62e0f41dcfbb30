"""Checks of notebook 08 (servers and streams): a new command of the line protocol, an async
generator that stops at a limit, a server that closes idle clients."""

import asyncio
import functools
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from course.exercises.core import NotYet, async_def, exercise, run_async
from flagserver import FlagServer, load_countries, load_flags

NOTEBOOK = "08_servers_streams"
FIND_LINES = ["FIND land", "find GUINEA", "FIND zzzz", "HELLO"]
MAX_ANSWER = 2000  # bytes of an answer line the check reads


@functools.cache
def countries() -> dict[str, str]:
    """{'cn': 'China', ...}, read once."""
    return load_countries()


def find_expected(line: str) -> str:
    """What the line server must answer to `line` (the reference protocol of exercise 1)."""
    command, _, text = line.strip().partition(" ")
    if command.upper() != "FIND" or not text:
        return "ERROR unknown command"
    found = sorted(cc for cc, name in countries().items() if text.lower() in name.lower())
    return " ".join(found) if found else f"ERROR nothing found for {text!r}"


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def connected_to(
    handler: Handler,
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """Serve `handler` (the answer under check) on a free port of 127.0.0.1; the block gets a
    client connection to it. On leaving, the client closes and the server's side is left to end
    by itself (it reads the end of the connection): a handler cancelled instead would be logged
    by Python 3.11. An exception the handler raised is raised here, before the block's own."""
    errors: list[BaseException] = []
    handlers: set[asyncio.Task] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())
        try:
            await handler(reader, writer)
        except Exception as error:  # reported by the check
            errors.append(error)
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, limit=MAX_ANSWER)
    async with server:
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=MAX_ANSWER)
        try:
            yield reader, writer
        finally:
            writer.close()
            if handlers:
                await asyncio.wait(handlers, timeout=2)
            if errors:
                raise errors[0]


async def converse_over_tcp(reply: Callable[[str], str], lines: list[str]) -> list[str]:
    """Serve `reply` on a free port of 127.0.0.1, send it the lines on one connection."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            text = reply(line.decode().rstrip("\n"))
            writer.write(f"{text}\n".encode())
            await writer.drain()
        writer.close()

    async with connected_to(handle) as (reader, writer):
        answers = []
        for line in lines:
            writer.write(f"{line}\n".encode())
            await writer.drain()
            answers.append((await reader.readline()).decode().rstrip("\n"))
    return answers


@exercise(NOTEBOOK)
def find_reply(candidate: Callable[..., Any], server: FlagServer) -> str:
    """find_reply(line) -> the answer line of a line server that knows FIND text."""

    @functools.wraps(candidate)
    async def answer() -> list[str]:
        return await converse_over_tcp(candidate, FIND_LINES)

    answers = run_async(answer)
    for line, got in zip(FIND_LINES, answers):
        should = find_expected(line)
        if not isinstance(got, str) or got != should:
            raise NotYet(f"на {line!r} сервер ответил {got[:80]!r}, а нужно {should[:80]!r}")
    return f"работает: {len(FIND_LINES)} запроса по TCP, ответы верные (FIND land: {answers[0]})"


PROBED = ["zz", "cn", "xx", "br", "fr", "jp", "de", "in", "us", "mx"]
LIMIT = 3


@exercise(NOTEBOOK)
def first_flags(candidate: Callable[..., Any], server: FlagServer) -> str:
    """async generator first_flags(client, base_url, codes, limit): at most `limit` codes that
    have a flag, in the order of codes, and no request after the last one it yields."""
    if not inspect.isasyncgenfunction(candidate):
        raise NotYet("first_flags должна быть асинхронным генератором: async def и yield внутри")
    sent: list[str] = []

    async def count(request: httpx.Request) -> None:
        sent.append(request.url.path.rsplit("/", 1)[-1].partition(".")[0])

    @functools.wraps(candidate)
    async def answer(base_url: str) -> list[Any]:
        async with httpx.AsyncClient(event_hooks={"request": [count]}) as client:
            return [cc async for cc in candidate(client, base_url, PROBED, LIMIT)]

    got = run_async(answer, server.url)
    flags = load_flags()
    should = [cc for cc in PROBED if cc in flags][:LIMIT]
    if got != should:
        raise NotYet(f"выдала {got!r}, а нужно {should!r}: не больше {LIMIT}, в порядке кодов")
    needed = PROBED.index(should[-1]) + 1
    if len(sent) > needed:
        raise NotYet(
            f"выдала верно, но отправила {len(sent)} запросов, а хватило бы {needed}: "
            f"остановитесь, как только найдено {LIMIT}"
        )
    return f"работает: {got}, {len(sent)} запросов из {len(PROBED)} возможных"


IDLE = 0.3  # seconds of silence after which serve_idle must say goodbye
BUSY_LINES = ["cn", "br", "xx", "fr", "jp", "de", "in"]  # one every PAUSE s: longer than IDLE
PAUSE = 0.15
WAIT_FOR_BYE = IDLE + 2.0  # how long the silent client waits for the server to close


def idle_expected(line: str) -> str:
    """What serve_idle must answer to a line: the country's name, or an error."""
    return countries().get(line.strip().lower(), "ERROR unknown code")


async def idle_conversation(candidate: Callable[..., Any]) -> tuple[list[str], str, float]:
    """Serve the candidate on a free port; a client sends BUSY_LINES, PAUSE s apart, then
    keeps silent. The answers, what came after them ("" for a closed connection), and the
    seconds from the last answer to the end of the connection."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await candidate(reader, writer, IDLE)

    async with connected_to(handle) as (reader, writer):
        answers: list[str] = []
        try:
            for line in BUSY_LINES:
                await asyncio.sleep(PAUSE)
                writer.write(f"{line}\n".encode())
                await writer.drain()
                answers.append((await reader.readline()).decode().rstrip("\n"))
            last = time.perf_counter()
            after: list[str] = []
            try:
                async with asyncio.timeout(WAIT_FOR_BYE):
                    while data := await reader.readline():
                        after.append(data.decode().rstrip("\n"))
            except TimeoutError:
                raise NotYet(
                    f"клиент молчал {WAIT_FOR_BYE:g} с, а сервер так и не закрыл соединение: "
                    f"ждите каждую строку не дольше idle с (asyncio.timeout)"
                ) from None
            closed_after = time.perf_counter() - last
        except ConnectionError:  # cut off while the client still talked: the check says so
            return answers, "", 0.0
    return answers, " | ".join(after), closed_after


@exercise(NOTEBOOK)
def serve_idle(candidate: Callable[..., Any], server: FlagServer) -> str:
    """serve_idle(reader, writer, idle): answer each line with the country's name; after `idle`
    seconds without a line send "BYE idle" and close the connection."""

    async_def(candidate)

    @functools.wraps(candidate)
    async def answer() -> tuple[list[str], str, float]:
        return await idle_conversation(candidate)

    answers, after, closed_after = run_async(answer)
    for line, got in zip(BUSY_LINES, answers + [""] * len(BUSY_LINES)):
        if got != idle_expected(line):
            busy = len(BUSY_LINES) * PAUSE
            if got in ("", "BYE idle"):  # it said goodbye while the client still talked
                raise NotYet(
                    f"на {line!r} ответа нет: соединение закрыто раньше, хотя клиент присылал "
                    f"строку каждые {PAUSE:g} с ({busy:.2f} с в сумме): idle — это молчание "
                    f"после последней строки, а не срок всего разговора"
                )
            raise NotYet(
                f"на {line!r} сервер ответил {got[:60]!r}, а нужно {idle_expected(line)!r}"
            )
    if after != "BYE idle":
        raise NotYet(f"соединение закрыто, но перед этим пришло {after[:60]!r}, а нужно 'BYE idle'")
    if not IDLE - 0.05 <= closed_after <= IDLE + 0.5:
        raise NotYet(
            f"сервер закрыл молчащего клиента через {closed_after:.2f} с, а idle = {IDLE:g} с"
        )
    return (
        f"работает: {len(answers)} ответов, пока клиент говорил, и 'BYE idle' через "
        f"{closed_after:.2f} с молчания (idle = {IDLE:g} с)"
    )
