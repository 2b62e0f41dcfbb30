"""course.exercises.ex09_beyond_one_machine: wrong answers to notebook 09's exercises get a
helpful line (the checks run them on a cluster of their own, stopped after each check)."""

import httpx

from course.exercises import EXERCISES, verify
from primes import is_prime


def flag_size(base_url: str, cc: str) -> int:
    return len(httpx.get(f"{base_url}/{cc}/{cc}.gif").content)


def test_there_are_exercises_for_the_dask_notebook():
    assert {"flag_sizes_on_cluster", "count_primes_on_cluster"} <= set(EXERCISES)


def test_a_dict_of_futures_is_told_to_gather_them(flag_server):
    def futures_only(client, base_url: str, codes: list[str]) -> dict:
        return dict(zip(codes, client.map(flag_size, [base_url] * len(codes), codes)))

    passed, line = verify("flag_sizes_on_cluster", futures_only, flag_server)
    assert not passed and "словарь фьючерсов Dask" in line and "client.gather" in line


def test_one_task_for_all_the_flags_is_told_to_map_a_task_per_code(flag_server):
    def all_in_one(client, base_url: str, codes: list[str]) -> dict:
        def sizes() -> dict:
            return {cc: flag_size(base_url, cc) for cc in codes}

        return client.submit(sizes).result()

    passed, line = verify("flag_sizes_on_cluster", all_in_one, flag_server)
    assert not passed and "выполнил 1 задач" in line and "client.map" in line


def test_one_task_counting_every_number_is_told_to_map_then_sum(flag_server):
    def one_task(client, numbers: list[int]):
        return client.submit(lambda xs: sum(map(is_prime, xs)), numbers)

    passed, line = verify("count_primes_on_cluster", one_task, flag_server)
    assert not passed and "выполнил 1 задач" in line and "сумма их фьючерсов" in line


def test_a_future_of_the_wrong_count_is_named(flag_server):
    def counts_all(client, numbers: list[int]):
        flags = client.map(is_prime, numbers)
        return client.submit(len, flags)

    passed, line = verify("count_primes_on_cluster", counts_all, flag_server)
    assert not passed and "фьючерс дал 7" in line
