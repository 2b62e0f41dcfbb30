"""course.exercises.ex08_servers_streams: wrong answers to notebook 08 get a helpful line."""

import httpx

from course.exercises import EXERCISES, verify
from helpers import solution


def test_there_are_exercises_for_the_servers_notebook():
    assert {"find_reply", "first_flags"} <= set(EXERCISES)


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
