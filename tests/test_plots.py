"""course.plots: every figure of the course, with the titles and labels the caller passes in."""

from course.bench.measure import Point
from course.plots import (
    bars_figure,
    requests_figure,
    scaling_figure,
    speedup_figure,
    timeline_figure,
)
from course.sidebyside import RunResult
from course.trace import Request, TracedResult

RUNS = [
    RunResult("a.py", 0, "", "", start=0.0, end=2.0, events=[0.5, 1.0]),
    RunResult("b.py", 1, "", "boom", start=0.1, end=1.0),
]


def test_timeline_and_speedup_have_a_bar_per_run_and_the_labels_given():
    timeline = timeline_figure(RUNS, "Заголовок", "секунды").axes[0]
    assert len(timeline.patches) == 2
    assert (timeline.get_title(), timeline.get_xlabel()) == ("Заголовок", "секунды")
    speedup = speedup_figure(RUNS, "Ускорение", "во сколько раз").axes[0]
    assert len(speedup.patches) == 2
    assert speedup.get_xlabel() == "во сколько раз"


def test_requests_figure_has_one_chart_per_run_titled_from_the_template():
    runs = [
        TracedResult(
            **vars(RUNS[0]), requests=[Request("http://h/flags/cn/cn.gif", 0.2, 0.4, "200")]
        ),
        TracedResult(
            **vars(RUNS[1]), requests=[Request("http://h/flags/br/br.gif", 0.3, 0.9, "503")]
        ),
    ]
    fig = requests_figure(runs, "Запросы", "секунды", "{label}: {count} за {span:.1f} с", "процесс")
    assert [ax.get_title() for ax in fig.axes] == ["a.py: 1 за 0.2 с", "b.py: 1 за 0.6 с"]
    assert [tick.get_text() for tick in fig.axes[0].get_yticklabels()] == ["процесс", "CN"]
    assert fig.axes[-1].get_xlabel() == "секунды"


def test_scaling_figure_draws_a_line_per_variant_and_the_limit():
    points = [Point("httpx", "flagserver", n, 10, 0.1, wall_s=n / 50) for n in (20, 100)] + [
        Point("aiohttp", "flagserver", n, 10, 0.1, wall_s=n / 90) for n in (20, 100)
    ]
    fig = scaling_figure(points, "n", "Время против N", "N", "время, с", "предел")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["httpx", "aiohttp", "предел"]
    assert list(ax.get_lines()[-1].get_ydata()) == [0.2, 1.0]  # ceil(N/10) * 0.1 s
    assert scaling_figure([Point("x", "s", 1, 1, 0.1)], "n", "t", "x", "y", "l") is None


def test_bars_figure_writes_each_value_on_its_bar():
    ax = bars_figure(["a", "b"], [3.14, 250.0], "Столбцы", "МиБ").axes[0]
    assert [text.get_text() for text in ax.texts] == ["3.1", "250"]
    assert ax.get_ylabel() == "МиБ"
