"""course.exercises.ex02_futures: wrong answers to notebook 02's exercises get a helpful line."""

from concurrent import futures

import httpx

from course.exercises import EXERCISES, verify


def test_there_are_exercises_for_the_futures_notebook():
    assert {"finishing_order", "download_with_timeout", "download_bounded"} <= set(EXERCISES)


def test_an_unbounded_pool_is_caught_by_its_timing(flag_server):
    def sequential(base_url: str, codes: list[str], max_workers: int) -> list[str]:
        return [cc for cc in codes if httpx.get(f"{base_url}/{cc}/{cc}.gif").is_success]

    def unbounded(base_url: str, codes: list[str], max_workers: int) -> list[str]:
        with futures.ThreadPoolExecutor(max_workers=len(codes)) as pool:
            return list(pool.map(lambda cc: httpx.get(f"{base_url}/{cc}/{cc}.gif") and cc, codes))

    assert "сколько 4 запроса подряд" in verify("download_bounded", sequential, flag_server)[1]
    assert "одновременно шло больше 2" in verify("download_bounded", unbounded, flag_server)[1]
