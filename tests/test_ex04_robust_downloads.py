"""course.exercises.ex04_robust_downloads: wrong answers to notebook 04's exercises."""

from pathlib import Path

import httpx

from course.exercises import verify


def test_a_404_counted_as_an_error_is_caught_with_the_hint(flag_server):
    def every_failure_is_an_error(base_url: str, cc: str, timeout: float) -> str:
        try:
            httpx.get(f"{base_url}/{cc}/{cc}.gif", timeout=timeout).raise_for_status()
        except httpx.HTTPError:
            return "ERROR"
        return "OK"

    passed, line = verify("download_status", every_failure_is_an_error, flag_server)
    assert not passed
    assert "expected 'NOT_FOUND'" in line and "a missing flag is not a failure" in line


def test_writing_straight_to_the_path_is_caught_as_a_half_written_flag(flag_server):
    def straight(chunks, path: Path) -> None:
        with path.open("wb") as file:
            for chunk in chunks:
                file.write(chunk)

    passed, line = verify("save_streamed", straight, flag_server)
    assert not passed
    assert "half-written flag" in line
