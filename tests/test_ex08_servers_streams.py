"""course.exercises.ex08_servers_streams: wrong answers to notebook 08 get a helpful line."""

import asyncio
import time

import httpx

from course.exercises import EXERCISES, verify
from flagserver import load_countries
from helpers import solution

COUNTRIES = load_countries()


def test_there_are_exercises_for_the_servers_notebook():
    assert {"find_reply", "first_flags", "serve_idle"} <= set(EXERCISES)


def test_find_that_ignores_case_is_named_with_the_line(flag_server):
    right = solution("find_reply")

    def case_sensitive(line: str) -> str:
        return right(line) if line.startswith("FIND") else "ERROR unknown command"

    passed, line = verify("find_reply", case_sensitive, flag_server)
    assert not passed and "'find GUINEA'" in line and "gn gq gw pg" in line


def test_find_that_raises_is_reported_in_one_line(flag_server):
    def broken(line: str) -> str:
        raise KeyError(line)

    passed, line = verify("find_reply", broken, flag_server)
    assert not passed and "KeyError" in line and "\n" not in line


def test_first_flags_as_a_plain_coroutine_asks_for_an_async_generator(flag_server):
    async def first_flags(client, base_url, codes, limit):
        return codes[:limit]

    passed, line = verify("first_flags", first_flags, flag_server)
    assert not passed and "асинхронным генератором" in line


def test_first_flags_that_probes_everything_first_is_told_to_stop(flag_server):
    async def first_flags(client: httpx.AsyncClient, base_url: str, codes: list[str], limit: int):
        found = [cc for cc in codes if (await client.get(f"{base_url}/{cc}/{cc}.gif")).is_success]
        for cc in found[:limit]:
            yield cc

    passed, line = verify("first_flags", first_flags, flag_server)
    assert not passed and "отправила 10 запросов, а хватило бы 5" in line


def test_an_idle_timeout_for_the_whole_conversation_is_told_to_count_from_the_last_line(
    flag_server,
):
    async def serve_idle(reader, writer, idle):
        try:
            async with asyncio.timeout(idle):  # wrong: the whole conversation, not each line
                while line := await reader.readline():
                    writer.write(
                        f"{COUNTRIES.get(line.decode().strip(), 'ERROR unknown code')}\n".encode()
                    )
                    await writer.drain()
        except TimeoutError:
            writer.write(b"BYE idle\n")
        writer.close()

    passed, line = verify("serve_idle", serve_idle, flag_server)
    assert not passed and "а не срок всего разговора" in line, line


def test_closing_an_idle_client_without_a_goodbye_is_caught(flag_server):
    right = solution("serve_idle")

    async def serve_idle(reader, writer, idle):
        class NoBye:  # the reference, but what it writes last ("BYE idle") is dropped
            def write(self, data):
                if data != b"BYE idle\n":
                    writer.write(data)

            def __getattr__(self, name):
                return getattr(writer, name)

        await right(reader, NoBye(), idle)

    passed, line = verify("serve_idle", serve_idle, flag_server)
    assert not passed and "нужно 'BYE idle'" in line, line


def test_a_server_that_never_closes_an_idle_client_is_given_up_on_in_time(flag_server):
    async def serve_idle(reader, writer, idle):
        while line := await reader.readline():
            writer.write(f"{COUNTRIES.get(line.decode().strip(), 'ERROR unknown code')}\n".encode())
            await writer.drain()

    started = time.perf_counter()
    passed, line = verify("serve_idle", serve_idle, flag_server)
    assert not passed and "так и не закрыл соединение" in line, line
    assert time.perf_counter() - started < 8


def test_a_serve_idle_that_raises_is_reported_in_one_line(flag_server):
    async def serve_idle(reader, writer, idle):
        await reader.readline()
        raise KeyError("cn")

    passed, line = verify("serve_idle", serve_idle, flag_server)
    assert not passed and "KeyError" in line and "\n" not in line, line
