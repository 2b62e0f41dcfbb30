"""course.plots: every figure of the course, with the titles and labels the caller passes in."""

from course.bench.measure import Point
from course.plots import (
    bars_figure,
    break_even_figure,
    connections_figure,
    events_figure,
    requests_figure,
    scaling_figure,
    speedup_figure,
    states_figure,
    task_stream_figure,
    throughput_figure,
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


def test_scaling_figure_per_limit_draws_ratios_and_the_limit_at_one():
    points = [Point("httpx", "flagserver", 100, c, 0.05, wall_s=0.06 * c) for c in (10, 20, 50)]
    fig = scaling_figure(points, "concurrency", "Обвал", "C", "время / предел", "предел", True)
    ax = fig.axes[0]
    ratio, limit = ax.get_lines()
    assert [round(y, 2) for y in ratio.get_ydata()] == [1.2, 4.8, 30.0]  # 0.6/0.5, 1.2/0.25...
    assert list(limit.get_ydata()) == [1.0, 1.0, 1.0]
    assert ax.get_yscale() == "linear" and ax.get_title() == "Обвал"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["10", "20", "50"]


def test_bars_figure_draws_the_reference_line_with_its_label():
    ax = bars_figure(["a", "b"], [1.5, 9.0], "Столбцы", "раз", 1.0, "предел").axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["предел"]
    assert list(ax.get_lines()[0].get_ydata()) == [1.0, 1.0]


def test_events_figure_has_a_bar_per_request_and_a_numbered_line_per_event():
    requests = [
        Request("http://h/flags/cn/cn.gif", 10.1, 10.6, "200"),
        Request("http://h/flags/br/br.gif", 10.2, 10.9, "CancelledError"),
    ]
    events = [(10.8, "SIGINT"), (10.9, "отмена"), (11.0, "выход")]
    fig = events_figure(requests, events, 10.0, "Ctrl-C", "секунды", "запросы")
    ax = fig.axes[0]
    assert len(ax.patches) == 2
    assert [p.get_facecolor()[:3] for p in ax.patches][0] != ax.patches[1].get_facecolor()[:3]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["1. SIGINT (0,800 с)", "2. отмена (0,900 с)", "3. выход (1,000 с)"]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Ctrl-C", "секунды", "запросы")


def test_events_figure_zooms_into_the_milliseconds_after_a_signal():
    requests = [
        Request("http://h/flags/cn/cn.gif", 10.1, 10.6, "200"),
        Request("http://h/flags/br/br.gif", 10.7, 11.0012, "CancelledError"),
    ]
    events = [(11.0, "SIGINT"), (11.0015, "отмена"), (11.004, "отчёт"), (11.1, "выход")]
    fig = events_figure(
        requests, events, 10.0, "Ctrl-C", "секунды", "запросы", (11.0, 11.004), "мс после сигнала"
    )
    main, zoom = fig.axes
    assert (len(main.patches), len(zoom.patches)) == (3, 2)  # a bar per request; main: + window
    assert zoom.get_xlabel() == "мс после сигнала" and round(zoom.get_xlim()[1], 2) == 4.32
    drawn = [line for line in zoom.get_lines() if len(line.get_xdata())]  # not legend handles
    assert [round(line.get_xdata()[0], 1) for line in drawn] == [0.0, 1.5, 4.0]
    assert [round(zoom.patches[1].get_x() + zoom.patches[1].get_width(), 1)] == [1.2]  # in ms
    labels = [text.get_text() for text in fig.legends[0].get_texts()]
    assert labels == [
        "1. SIGINT (+0,0 мс)",
        "2. отмена (+1,5 мс)",
        "3. отчёт (+4,0 мс)",
        "4. выход (+100,0 мс)",
    ]
    assert fig.get_suptitle() == "Ctrl-C"


HASH = "c40cb3d6b79d8febc2ad7c2d013acae7"  # a task key is the function's name and a hash


def test_task_stream_figure_has_a_bar_per_task_on_its_worker_from_time_zero():
    def record(worker: str, key: str, start: float, stop: float) -> dict:
        compute = {"action": "compute", "start": start, "stop": stop}
        return {"worker": worker, "key": key, "startstops": [compute]}

    records = [
        record("w1", f"is_prime-{HASH}", 100.0, 100.5),
        record("w2", f"sum-{HASH}", 100.2, 101),
    ]
    ax = task_stream_figure(records, "Поток задач", "секунды", "рабочий").axes[0]
    assert [(round(p.get_x(), 2), round(p.get_y() + 0.3, 2)) for p in ax.patches] == [
        (0.0, 0.0),
        (0.2, 1.0),
    ]
    assert ax.get_xlim()[0] == 0  # no empty negative time
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["is_prime", "sum"]


def test_break_even_figure_draws_a_line_per_executor_and_the_1x_line_with_plain_ticks():
    fig = break_even_figure([0.01, 1.0, 100.0], {"пул": [0.1, 1.5, 2.0]}, "Т", "мс", "раз")
    ax = fig.axes[0]
    speedup, one = ax.get_lines()
    assert list(speedup.get_ydata()) == [0.1, 1.5, 2.0] and list(one.get_ydata()) == [1.0, 1.0]
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "0,01" in ticks and "100" in ticks and not any("^" in t for t in ticks)


def test_throughput_figure_draws_the_measured_rates_and_the_limit_dashed():
    fig = throughput_figure(
        [1, 2, 4], [4.0, 7.5, 12.0], [5.0, 10.0, 20.0], "Т", "x", "y", ("м", "п")
    )
    ax = fig.axes[0]
    measured, limit = ax.get_lines()
    assert list(measured.get_ydata()) == [4.0, 7.5, 12.0] and limit.get_linestyle() == "--"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "4"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["м", "п"]


def test_states_figure_draws_an_arrow_per_final_state_inside_one_labelled_frame():
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    states = ["ожидает", "результат", "исключение", "отменён"]
    ax = states_figure(
        states, ["return", "raise", "cancel()"], "done() == True", "колбэки", "Состояния"
    ).axes[0]
    texts = [text.get_text() for text in ax.texts]
    assert all(name in texts for name in [*states, "return", "raise", "cancel()"])
    assert "done() == True" in texts and "колбэки" in texts and ax.get_title() == "Состояния"
    assert sum(isinstance(patch, FancyArrowPatch) for patch in ax.patches) == 3
    assert sum(isinstance(patch, FancyBboxPatch) for patch in ax.patches) == 1  # the frame


def test_connections_figure_draws_memory_and_latency_a_line_per_server():
    fig = connections_figure(
        [0, 100, 1000],
        {"asyncio": ([30, 31, 36], [0.1, 0.1, 0.1]), "threads": ([30, 33, 55], [0.1, 0.2, 0.2])},
        "Память и задержка",
        "соединений",
        ("МиБ", "мс"),
    )
    left, right = fig.axes
    assert fig._suptitle.get_text() == "Память и задержка"
    assert [line.get_label() for line in left.lines] == ["asyncio", "threads"]
    assert list(left.lines[1].get_ydata()) == [30, 33, 55]
    assert list(right.lines[0].get_ydata()) == [0.1, 0.1, 0.1]
    assert (left.get_ylabel(), right.get_xlabel()) == ("МиБ", "соединений")
