"""course.exercises.ex05_scaling: wrong answers to notebook 05's exercises."""

from course.exercises import verify


def test_a_limit_without_whole_waves_is_caught_with_the_hint():
    passed, line = verify("limit_seconds", lambda n, c, d: n / c * d, None)
    assert not passed
    assert "limit_seconds(1001, 100, 0.1) returned 1.001, expected 1.1" in line
    assert "math.ceil(n / concurrency)" in line


def test_an_answer_that_is_not_a_number_is_caught():
    passed, line = verify("limit_seconds", lambda n, c, d: "1 s", None)
    assert not passed
    assert "expected a number of seconds" in line
