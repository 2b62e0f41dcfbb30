"""Checks of notebook 05 (scaling): the limit ceil(N/C)·D, and a pool limit chosen from
measurements by how far each time is from that limit."""

import math
from collections.abc import Callable
from typing import Any

from course.exercises.core import DEADLINE, NotYet, call_within, exercise
from flagserver import FlagServer

NOTEBOOK = "05_scaling"


@exercise(NOTEBOOK)
def limit_seconds(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """limit_seconds(n, concurrency, delay) -> ceil(n / concurrency) * delay, in seconds."""
    cases = [(1000, 100, 0.1), (1001, 100, 0.1), (20, 1000, 0.5), (1, 10, 0.2), (250, 100, 0.04)]
    for n, concurrency, delay in cases:
        waves = math.ceil(n / concurrency)
        expected = waves * delay
        got = call_within(
            DEADLINE, candidate, n, concurrency, delay, hint="нет ли бесконечного цикла?"
        )
        call = f"limit_seconds({n}, {concurrency}, {delay:g})"
        if not isinstance(got, int | float):
            raise NotYet(f"{call} вернула {got!r}, а нужно число секунд: {expected:g}")
        if math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12):
            continue
        if math.isclose(got, n / concurrency * delay, rel_tol=1e-9):
            hint = (
                f"запросы идут волнами по {concurrency}, и последняя неполная волна длится "
                f"целую задержку: волн {waves}, math.ceil(n / concurrency)"
            )
        else:
            hint = "посчитайте волны, math.ceil(n / concurrency), каждая длится delay секунд"
        raise NotYet(f"{call} вернула {got:g}, а нужно {expected:g}: {hint}")
    return "работает: ceil(N/C) волн запросов, каждая длится задержку сервера"


# Measured-looking tables: {C: seconds} for N requests with a delay D each. The first is the
# shape of httpx's own pool (near the limit at small C, then the cliff); the second has an
# N that C does not divide (the last wave is short but still takes D); the third never gets
# near the limit; the fourth is listed out of order.
LIMIT_CASES: list[tuple[dict[int, float], int, float, float, int | None, str]] = [
    ({10: 0.57, 20: 0.33, 50: 0.41, 100: 0.24}, 100, 0.05, 1.5, 20, "обвал после C=20"),
    ({10: 0.48, 20: 0.26, 40: 0.16, 90: 0.12}, 90, 0.05, 1.3, 40, "N=90 не делится на C=40"),
    ({10: 1.9, 50: 1.2, 100: 1.5}, 100, 0.05, 2.0, None, "ни одна точка не у предела"),
    ({100: 0.9, 10: 0.52, 50: 0.13, 20: 0.27}, 100, 0.05, 1.5, 50, "точки не по порядку"),
]


@exercise(NOTEBOOK)
def choose_limit(candidate: Callable[..., Any], server: FlagServer | None) -> str:
    """choose_limit(times, n, delay, slack) -> the largest C whose time <= slack x limit."""
    for times, n, delay, slack, expected, what in LIMIT_CASES:
        got = call_within(
            DEADLINE, candidate, dict(times), n, delay, slack, hint="нет ли бесконечного цикла?"
        )
        if got == expected:
            continue
        shown = ", ".join(f"C={c}: {t:g} с" for c, t in times.items())
        call = f"choose_limit({{{shown}}}, n={n}, delay={delay:g}, slack={slack:g})"
        ratios = {c: t / (math.ceil(n / c) * delay) for c, t in times.items()}
        if expected is None:
            hint = "ни одно время не укладывается в slack × предел: верните None"
        elif got in times and ratios[got] > slack:
            hint = (
                f"при C={got} время / предел = {ratios[got]:.2f} > slack: это уже обвал; "
                "предел — math.ceil(n / c) * delay"
            )
        elif got == min(times, key=times.get):
            hint = "это самое быстрое C, а нужно самое большое C, чьё время у предела"
        else:
            hint = "делите время на предел math.ceil(n / c) * delay и берите наибольшее C ≤ slack"
        raise NotYet(f"{what}: {call} вернула {got!r}, а нужно {expected!r}: {hint}")
    return "работает: выбирает наибольший пул, при котором время ещё у предела ceil(N/C)·D"
