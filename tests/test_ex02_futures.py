"""course.exercises.ex02_futures: wrong answers to notebook 02's exercises get a helpful line."""

from concurrent import futures

import httpx

from course.exercises import EXERCISES, verify


def test_there_are_exercises_for_the_futures_notebook():
    assert {"finishing_order", "download_with_timeout", "downloaded_and_failed"} <= set(EXERCISES)


def test_the_input_order_is_named_in_the_message(flag_server):
    def in_input_order(jobs: dict[str, str]) -> list[str]:
        return list(jobs)

    passed, line = verify("finishing_order", in_input_order, flag_server)
    assert not passed
    assert "порядок входа" in line and "futures.as_completed" in line


def test_an_escaping_timeout_is_named_in_the_message(flag_server):
    def raises(base_url: str, cc: str, seconds: float) -> bytes | None:
        return httpx.get(f"{base_url}/{cc}/{cc}.gif", timeout=seconds).content

    passed, line = verify("download_with_timeout", raises, flag_server)
    assert not passed
    assert line.startswith("✗ download_with_timeout: тайм-аут вылетел наружу как ReadTimeout")


def get_gif(base_url: str, cc: str) -> str:
    httpx.get(f"{base_url}/{cc}/{cc}.gif").raise_for_status()
    return cc


def test_map_that_raises_the_first_failure_is_told_to_ask_each_future(flag_server):
    def with_map(base_url: str, codes: list[str]) -> tuple[list[str], list[str]]:
        with futures.ThreadPoolExecutor() as pool:
            return list(pool.map(get_gif, [base_url] * len(codes), codes)), []

    passed, line = verify("downloaded_and_failed", with_map, flag_server)
    assert not passed
    assert "выбросила HTTPStatusError 503" in line and "future.exception()" in line


def test_unchecked_status_counts_the_failures_as_downloaded(flag_server):
    def no_status_check(base_url: str, codes: list[str]) -> tuple[list[str], list[str]]:
        with futures.ThreadPoolExecutor() as pool:
            to_do = {pool.submit(httpx.get, f"{base_url}/{cc}/{cc}.gif"): cc for cc in codes}
            return [to_do[f] for f in futures.as_completed(to_do) if f.exception() is None], []

    passed, line = verify("downloaded_and_failed", no_status_check, flag_server)
    assert not passed
    assert "на ['cd', 'ir'] сервер ответил 503" in line and "raise_for_status()" in line


def test_one_after_another_with_try_except_is_caught_by_its_timing(flag_server):
    def sequential(base_url: str, codes: list[str]) -> tuple[list[str], list[str]]:
        downloaded, failed = [], []
        for cc in codes:
            try:
                downloaded.append(get_gif(base_url, cc))
            except httpx.HTTPStatusError:
                failed.append(cc)
        return downloaded, failed

    passed, line = verify("downloaded_and_failed", sequential, flag_server)
    assert not passed
    assert "шли один за другим" in line and "pool.submit" in line


def test_swapped_lists_are_shown_against_what_they_should_be(flag_server):
    solution_like = [["cd", "ir"], ["bd", "br", "cn", "jp"]]

    passed, line = verify(
        "downloaded_and_failed", lambda base_url, codes: solution_like, flag_server
    )
    assert not passed
    assert "вернула скачанные ['cd', 'ir'] и упавшие ['bd', 'br', 'cn', 'jp']" in line


def test_a_single_list_asks_for_a_pair(flag_server):
    passed, line = verify("downloaded_and_failed", lambda base_url, codes: codes, flag_server)
    assert not passed
    assert "нужна пара списков" in line
