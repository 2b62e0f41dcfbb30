"""Checks of notebook 08 (servers and streams): a new command of the line protocol, an async
generator that stops at a limit."""

import asyncio
import functools
import inspect
from collections.abc import Callable
from typing import Any

import httpx

from course.exercises.core import NotYet, exercise, run_async
from flagserver import FlagServer, load_countries, load_flags

NOTEBOOK = "08_servers_streams"
FIND_LINES = ["FIND land", "find GUINEA", "FIND zzzz", "HELLO"]
MAX_ANSWER = 2000  # bytes of an answer line the check reads


def find_expected(line: str) -> str:
    """What the line server must answer to `line` (the reference protocol of exercise 1)."""
    command, _, text = line.strip().partition(" ")
    if command.upper() != "FIND" or not text:
        return "ERROR unknown command"
    countries = load_countries()
    found = sorted(cc for cc, name in countries.items() if text.lower() in name.lower())
    return " ".join(found) if found else f"ERROR nothing found for {text!r}"


async def converse_over_tcp(reply: Callable[[str], str], lines: list[str]) -> list[str]:
    """Serve `reply` on a free port of 127.0.0.1, send it the lines on one connection."""
    errors: list[BaseException] = []
    handlers: set[asyncio.Task] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())
        while line := await reader.readline():
            try:
                text = reply(line.decode().rstrip("\n"))
            except Exception as error:  # reported by the check
                errors.append(error)
                text = "ERROR"
            writer.write(f"{text}\n".encode())
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, limit=MAX_ANSWER)
    async with server:
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=MAX_ANSWER)
        answers = []
        for line in lines:
            writer.write(f"{line}\n".encode())
            await writer.drain()
            answers.append((await reader.readline()).decode().rstrip("\n"))
        writer.close()
        await writer.wait_closed()
        if handlers:  # the server's side reads the end of the connection and returns
            await asyncio.wait(handlers, timeout=2)
    if errors:
        raise errors[0]
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
