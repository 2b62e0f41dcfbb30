"""course.exercises.ex00_start_here: wrong answers to notebook 00's exercises get a helpful line."""

import httpx

from course.exercises import EXERCISES, verify


def test_there_are_exercises_for_the_start_notebook():
    assert {"flag_sizes", "scenario_url", "split_ok_failed"} <= set(EXERCISES)


def test_wrong_sizes_are_reported_with_the_expected_byte_count(flag_server):
    def counts_characters(base_url: str, codes: list[str]) -> dict[str, int]:
        return {cc: len(httpx.get(f"{base_url}/{cc}/{cc}.gif").text) for cc in codes}

    passed, line = verify("flag_sizes", counts_characters, flag_server)
    assert not passed
    assert "len(response.content)" in line


def test_scenario_url_without_the_delay_is_caught(flag_server):
    def no_delay(root: str, delay: float = 0, errors: float = 0) -> str:
        return f"{root}/errors/{errors}/flags"

    passed, line = verify("scenario_url", no_delay, flag_server)
    assert not passed
    assert "delay=0.3" in line
