"""course.exercises.ex05_scaling: wrong answers to notebook 05's exercises."""

import math

from course.exercises import verify


def test_a_limit_without_whole_waves_is_caught_with_the_hint():
    passed, line = verify("limit_seconds", lambda n, c, d: n / c * d, None)
    assert not passed
    assert "limit_seconds(1001, 100, 0.1) вернула 1.001, а нужно 1.1" in line
    assert "math.ceil(n / concurrency)" in line


def test_an_answer_that_is_not_a_number_is_caught():
    passed, line = verify("limit_seconds", lambda n, c, d: "1 s", None)
    assert not passed
    assert "нужно число секунд" in line


def test_the_fastest_concurrency_is_not_the_limit_to_choose():
    passed, line = verify("choose_limit", lambda times, n, d, s: min(times, key=times.get), None)
    assert not passed
    assert "обвал после C=20" in line and "это уже обвал" in line  # fastest here: C=100


def test_the_biggest_concurrency_is_caught_as_past_the_cliff():
    passed, line = verify("choose_limit", lambda times, n, d, s: max(times), None)
    assert not passed
    assert "вернула 100, а нужно 20" in line and "это уже обвал" in line


def test_a_limit_without_whole_waves_makes_a_wrong_choice():
    def no_ceil(times, n, delay, slack):
        near = [c for c, t in times.items() if t <= slack * n / c * delay]
        return max(near, default=None)

    passed, line = verify("choose_limit", no_ceil, None)
    assert not passed
    assert "N=90 не делится на C=40" in line and "вернула 20, а нужно 40" in line


def test_no_point_near_the_limit_needs_none():
    def never_none(times, n, delay, slack):  # none near the limit? then the best ratio
        ratio = {c: t / (math.ceil(n / c) * delay) for c, t in times.items()}
        near = [c for c in times if ratio[c] <= slack]
        return max(near) if near else min(ratio, key=ratio.get)

    passed, line = verify("choose_limit", never_none, None)
    assert not passed
    assert "ни одна точка не у предела" in line and "верните None" in line


def test_stopping_at_the_first_slow_point_in_dict_order_is_caught():
    def first_break(times, n, delay, slack):
        chosen = None
        for c, t in times.items():  # the table's order, not sorted by C
            if t > slack * math.ceil(n / c) * delay:
                break
            chosen = c
        return chosen

    passed, line = verify("choose_limit", first_break, None)
    assert not passed
    assert "точки не по порядку" in line
