"""Every plot of the course, in one place. Titles and axis labels are passed in by the caller
(the notebooks speak Russian), so nothing here is tied to one language.

    >>> from course import plot_timeline, run_side_by_side
    >>> runs = run_side_by_side(["spinner_thread.py", "spinner_asyncio.py"])
    >>> plot_timeline(runs, "Два спиннера вместе", "секунды с первого запуска")

`*_figure` functions return a matplotlib `Figure` (the benchmark saves them as PNG files);
`plot_*` functions and `show` display one in the notebook's cell.

matplotlib is imported when the first figure is made, not when `course` is imported: the
benchmark's child processes import the package too, and their peak memory is measured.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(width: float, height: float) -> Figure:
    """An empty figure of that size in inches, laid out so that labels are never cut."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def show(fig: Figure) -> None:
    """Display a figure in the cell as a PNG image, whatever matplotlib backend is active."""
    from IPython.display import Image, display

    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=100)
    display(Image(png.getvalue()))


def plot_timeline(results: Sequence[Any], title: str, xlabel: str) -> None:
    """Show `timeline_figure` in the notebook."""
    show(timeline_figure(results, title, xlabel))


def plot_speedup(results: Sequence[Any], title: str, xlabel: str) -> None:
    """Show `speedup_figure` in the notebook."""
    show(speedup_figure(results, title, xlabel))


def plot_requests(
    runs: Sequence[Any], title: str, xlabel: str, run_title: str, process_label: str
) -> None:
    """Show `requests_figure` in the notebook."""
    show(requests_figure(runs, title, xlabel, run_title, process_label))


def timeline_figure(results: Sequence[Any], title: str, xlabel: str) -> Figure:
    """A bar per run (`RunResult`) from start to exit, a tick for each piece of output."""
    t0 = min(result.start for result in results)
    fig = new_figure(9, 0.7 * len(results) + 1.2)
    ax = fig.subplots()
    for row, result in enumerate(results):
        color = "tab:blue" if result.ok else "tab:red"
        ax.barh(row, result.wall, left=result.start - t0, height=0.5, color=color, alpha=0.35)
        ticks = [when - t0 for when in result.events]
        ax.plot(ticks, [row] * len(ticks), "|", color="black", markersize=12)
        ax.text(result.end - t0, row, f" {result.wall:.2f} s", va="center")
    ax.set_yticks(range(len(results)), [result.label for result in results])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.margins(x=0.12)
    return fig


def speedup_figure(results: Sequence[Any], title: str, xlabel: str) -> Figure:
    """Bars: how many times faster than the first run each run was (its wall time vs the first)."""
    speedups = [results[0].wall / result.wall for result in results]
    fig = new_figure(7, 0.6 * len(results) + 1.2)
    ax = fig.subplots()
    bars = ax.barh([result.label for result in results], speedups, color="tab:green", alpha=0.6)
    ax.bar_label(bars, [f" {s:.2f}x ({r.wall:.2f} s)" for s, r in zip(speedups, results)])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.margins(x=0.3)
    return fig


def requests_figure(
    runs: Sequence[Any], title: str, xlabel: str, run_title: str, process_label: str
) -> Figure:
    """A Gantt chart per traced run: a bar per request from its start to its end, one time axis.

    Time 0 is the moment the first script was started; the thin grey bar, named
    `process_label`, is the process's life.
    `run_title` is formatted for each run with `label`, `count` and `span` (seconds), e.g.
    "{label}: {count} запросов за {span:.2f} с".
    """
    t0 = min(run.start for run in runs)
    rows = max([len(run.requests) for run in runs] + [1])
    fig = new_figure(9, len(runs) * (0.14 * rows + 0.9) + 0.6)
    axes = fig.subplots(len(runs), 1, sharex=True, squeeze=False)[:, 0]
    for ax, run in zip(axes, runs):
        ax.barh(-1, run.wall, left=run.start - t0, height=0.4, color="lightgrey")
        for row, request in enumerate(run.requests):
            color = "tab:blue" if request.status.startswith("2") else "tab:red"
            ax.barh(row, request.end - request.start, left=request.start - t0, color=color)
        names = [request.name for request in run.requests]
        ax.set_yticks(range(-1, len(names)), [process_label, *names], fontsize=7)
        ax.set_ylim(rows, -1.8)
        shown = run_title.format(label=run.label, count=len(names), span=run.span)
        ax.set_title(shown, fontsize=10)
    axes[-1].set_xlabel(xlabel)
    fig.suptitle(title)
    return fig


def scaling_figure(
    points: Sequence[Any],
    axis: str,
    title: str,
    xlabel: str,
    ylabel: str,
    limit_label: str,
    per_limit: bool = False,
) -> Figure | None:
    """Wall time of benchmark points against N or C (axis="n" or "concurrency"), a line per
    variant, and their limit ceil(N/C)·D as a dashed line. None when no point has a result.

    per_limit=True draws time / limit instead, on a linear axis: the limit is then the
    horizontal line at 1, and how far each variant is from it reads off the axis directly.
    Tick labels are plain numbers (0.6, not 6×10⁻¹); the x ticks are the measured values.
    """
    from matplotlib.ticker import FuncFormatter, NullFormatter

    chosen = [p for p in points if p.wall_s and p.limit_s]
    if not chosen:
        return None
    fig = new_figure(7, 4.2)
    ax = fig.subplots()
    for variant in dict.fromkeys(p.variant for p in chosen):
        mine = sorted((p for p in chosen if p.variant == variant), key=lambda p: getattr(p, axis))
        ys = [p.ratio if per_limit else p.wall_s for p in mine]
        ax.plot([getattr(p, axis) for p in mine], ys, "o-", label=variant)
        ax.annotate(f" {ys[-1]:.1f}", (getattr(mine[-1], axis), ys[-1]), va="center", fontsize=8)
    by_x = {getattr(p, axis): p.limit_s for p in chosen}
    xs = sorted(by_x)
    limits = [1.0] * len(xs) if per_limit else [by_x[x] for x in xs]
    ax.plot(xs, limits, "k--", lw=2, label=limit_label)
    ax.set_xscale("log")
    if per_limit:
        ax.set_ylim(bottom=0)
    else:
        ax.set_yscale("log")
    ax.set_xticks(xs, [f"{x:g}" for x in xs])  # the measured N or C, not powers of ten
    ax.xaxis.set_minor_formatter(NullFormatter())
    plain = FuncFormatter(lambda value, _: f"{value:g}")  # 0.6, not 6×10⁻¹
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(NullFormatter() if per_limit else plain)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.margins(x=0.08)
    ax.legend(fontsize=8)
    return fig


def bars_figure(
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    ylabel: str,
    reference: float | None = None,
    reference_label: str = "",
) -> Figure:
    """A plain bar chart with the value written on each bar; `reference` draws a dashed
    horizontal line there (the limit, say), named `reference_label` in a legend."""
    fig = new_figure(7, 3.6)
    ax = fig.subplots()
    bars = ax.bar(labels, values, color="tab:blue")
    ax.bar_label(bars, fmt=lambda v: f"{v:.0f}" if v >= 100 else f"{v:.1f}")
    if reference is not None:
        ax.axhline(reference, color="black", linestyle="--", lw=2, label=reference_label)
        ax.legend(fontsize=8)
    ax.margins(y=0.12)  # room for the label above the tallest bar
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", labelsize=8)
    return fig


def plot_events(
    requests: Sequence[Any],
    events: Sequence[tuple[float, str]],
    t0: float,
    title: str,
    xlabel: str,
    requests_label: str,
    zoom: tuple[float, float] | None = None,
    zoom_xlabel: str = "",
) -> None:
    """Show `events_figure` in the notebook."""
    show(events_figure(requests, events, t0, title, xlabel, requests_label, zoom, zoom_xlabel))


def events_figure(
    requests: Sequence[Any],
    events: Sequence[tuple[float, str]],
    t0: float,
    title: str,
    xlabel: str,
    requests_label: str,
    zoom: tuple[float, float] | None = None,
    zoom_xlabel: str = "",
) -> Figure:
    """A timeline of one run: a bar per traced request (`course.trace.Request`; blue for an
    answer, red for anything else, e.g. CancelledError) and a numbered vertical line per
    event `(when, label)`, the labels listed in order under the plot. Times are
    `time.perf_counter()` values; `t0` is time 0 of the axis.

    zoom=(start, end) adds a panel on the right that shows that window in milliseconds after
    `start` (what happens within a few ms of a signal), named `zoom_xlabel`; the window is
    shaded on the main panel, the events inside it are drawn in the zoom, the others on the
    main panel, and the legend gives every event's time in ms after `start`.
    """
    fig = new_figure(11, 0.14 * len(requests) + 2.8)
    if zoom is None:
        panels = [(fig.subplots(), t0, 1.0)]
    else:
        main, right = fig.subplots(1, 2, sharey=True, width_ratios=[3, 2])
        panels = [(main, t0, 1.0), (right, zoom[0], 1000.0)]
    for ax, origin, scale in panels:
        for row, request in enumerate(requests):
            color = "tab:blue" if request.status.startswith("2") else "tab:red"
            width, left = (request.end - request.start) * scale, (request.start - origin) * scale
            ax.barh(row, width, left=left, color=color, height=0.8)
    ax = panels[0][0]
    ax.set_yticks([])
    ax.set_ylabel(requests_label)
    ax.set_ylim(len(requests) + 0.5, -3.5)
    ax.set_xlabel(xlabel)
    ax.margins(x=0.03)
    if zoom is not None:
        ax.axvspan(zoom[0] - t0, zoom[1] - t0, color="grey", alpha=0.2)
        right = panels[1][0]
        span = (zoom[1] - zoom[0]) * 1000
        right.set_xlim(-0.08 * span, 1.08 * span)
        right.set_xlabel(zoom_xlabel)
        right.set_facecolor("#f4f4f4")
    colors = ["tab:orange", "tab:purple", "tab:green", "black", "tab:brown", "tab:pink"]
    handles = []
    placed = {id(ax): 0 for ax, _, _ in panels}  # events drawn on each panel so far
    for n, (when, label) in enumerate(events, start=1):
        color = colors[(n - 1) % len(colors)]
        inside = zoom is not None and zoom[0] <= when <= zoom[1]
        ax, origin, scale = panels[1] if inside else panels[0]
        x = (when - origin) * scale
        ax.axvline(x, color=color, lw=1.5)
        if inside:  # and a thin line where it is on the main panel's scale
            panels[0][0].axvline(when - t0, color=color, lw=0.8, alpha=0.7)
        level = placed[id(ax)] % 3
        placed[id(ax)] += 1
        ax.text(x, -1.0 - level, f" {n}", color=color, fontsize=10, fontweight="bold", va="center")
        shown = f"{when - t0:.3f} с" if zoom is None else f"+{(when - zoom[0]) * 1000:.1f} мс"
        shown = shown.replace(".", ",")  # a decimal comma in Russian text (ticks keep the dot)
        (handle,) = ax.plot([], [], color=color, lw=2, label=f"{n}. {label} ({shown})")
        handles.append(handle)
    main = panels[0][0]
    if zoom is None:
        main.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
        main.set_title(title)
    else:  # under both panels, in two columns
        fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
        fig.suptitle(title)
    return fig


def plot_states(
    states: Sequence[str], transitions: Sequence[str], done_label: str, note: str, title: str
) -> None:
    """Show `states_figure` in the notebook."""
    show(states_figure(states, transitions, done_label, note, title))


def states_figure(
    states: Sequence[str], transitions: Sequence[str], done_label: str, note: str, title: str
) -> Figure:
    """The states of a future: states[0] (pending) on the left, an arrow to each final state.

    `transitions[i]` labels the arrow to `states[i + 1]`; the final states are framed together
    and the frame is labelled `done_label` (done() is true in each); `note` goes under the
    frame (what happens on entering any of them: the callbacks run).
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    finals = list(states[1:])
    fig = new_figure(9, 1.1 * len(finals) + 1.6)
    ax = fig.subplots()
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.12, 1.08)
    ax.axis("off")
    box = {"boxstyle": "round,pad=0.5", "facecolor": "white", "linewidth": 1.5}
    start = (0.13, 0.5)
    ax.text(
        *start,
        states[0],
        ha="center",
        va="center",
        fontsize=11,
        bbox={**box, "edgecolor": "tab:blue"},
    )
    heights = [0.85 - 0.7 * i / max(len(finals) - 1, 1) for i in range(len(finals))]
    colors = ["tab:green", "tab:red", "tab:gray", "tab:purple"]
    for i, (name, y) in enumerate(zip(finals, heights)):
        color = colors[i % len(colors)]
        ax.text(
            0.8, y, name, ha="center", va="center", fontsize=11, bbox={**box, "edgecolor": color}
        )
        arrow = FancyArrowPatch(
            (start[0] + 0.1, start[1]),
            (0.68, y),
            arrowstyle="-|>",
            mutation_scale=18,
            color=color,
            linewidth=1.5,
            connectionstyle="arc3,rad=0",
        )
        ax.add_patch(arrow)
        ax.text(
            0.42,
            (start[1] + y) / 2 + 0.045,
            transitions[i],
            ha="center",
            va="bottom",
            fontsize=9,
            color=color,
            family="monospace",
        )
    frame = FancyBboxPatch(
        (0.62, min(heights) - 0.12),
        0.36,
        max(heights) - min(heights) + 0.24,
        boxstyle="round,pad=0.01",
        fill=False,
        linestyle="--",
        edgecolor="black",
    )
    ax.add_patch(frame)
    ax.text(0.8, max(heights) + 0.15, done_label, ha="center", va="bottom", fontsize=10)
    ax.text(0.8, min(heights) - 0.16, note, ha="center", va="top", fontsize=9, wrap=True)
    ax.set_title(title)
    return fig


def plot_task_stream(records: Sequence[dict], title: str, xlabel: str, ylabel: str) -> None:
    """Show `task_stream_figure` in the notebook."""
    show(task_stream_figure(records, title, xlabel, ylabel))


def task_stream_figure(records: Sequence[dict], title: str, xlabel: str, ylabel: str) -> Figure:
    """Dask's task stream drawn from its data: a lane per worker thread, a bar per task.

    `records` is `get_task_stream(client).data`: dicts with 'worker', 'key' and 'startstops'
    (the "compute" periods, in seconds since the epoch); a colour per kind of task (the key's
    name part, as the dashboard colours them).
    """
    from dask.utils import key_split
    from matplotlib.patches import Patch

    lanes = sorted({(r["worker"], r.get("thread", 0)) for r in records})
    kinds = sorted({key_split(r["key"]) for r in records})
    starts = [s["start"] for r in records for s in r["startstops"] if s["action"] == "compute"]
    t0 = min(starts, default=0.0)
    fig = new_figure(9, 0.6 + 0.5 * max(len(lanes), 1))
    ax = fig.add_subplot()
    colours = {kind: f"C{i}" for i, kind in enumerate(kinds)}
    for record in records:
        lane = lanes.index((record["worker"], record.get("thread", 0)))
        for period in record["startstops"]:
            if period["action"] == "compute":
                width = period["stop"] - period["start"]
                ax.barh(
                    lane,
                    width,
                    left=period["start"] - t0,
                    height=0.6,
                    color=colours[key_split(record["key"])],
                    edgecolor="white",
                )
    ax.set_yticks(range(len(lanes)), [f"{i + 1}" for i in range(len(lanes))])
    ax.set_xlim(left=0)
    if kinds:
        handles = [Patch(color=colours[kind], label=kind) for kind in kinds]
        ax.legend(handles=handles, loc="upper right", fontsize=8)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig


def plot_break_even(
    sizes: Sequence[float],
    speedups: dict[str, Sequence[float]],
    title: str,
    xlabel: str,
    ylabel: str,
) -> None:
    """Show `break_even_figure` in the notebook."""
    show(break_even_figure(sizes, speedups, title, xlabel, ylabel))


def break_even_figure(
    sizes: Sequence[float],
    speedups: dict[str, Sequence[float]],
    title: str,
    xlabel: str,
    ylabel: str,
) -> Figure:
    """Speed-up over one process as a function of the task size (log x): a line per executor,
    and the line of 1x (below it, running the tasks one by one in the kernel is faster)."""
    from matplotlib.ticker import FuncFormatter

    fig = new_figure(7, 3.8)
    ax = fig.add_subplot()
    for label, values in speedups.items():
        ax.plot(sizes, values, marker="o", label=label)
    ax.axhline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")  # plain tick labels ("0,01", "10"), not powers of ten
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}".replace(".", ",")))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return fig


def plot_throughput(
    workers: Sequence[int],
    rates: Sequence[float],
    limits: Sequence[float],
    title: str,
    xlabel: str,
    ylabel: str,
    labels: tuple[str, str],
) -> None:
    """Show `throughput_figure` in the notebook."""
    show(throughput_figure(workers, rates, limits, title, xlabel, ylabel, labels))


def throughput_figure(
    workers: Sequence[int],
    rates: Sequence[float],
    limits: Sequence[float],
    title: str,
    xlabel: str,
    ylabel: str,
    labels: tuple[str, str],
) -> Figure:
    """Measured throughput (items per second) against the number of workers, and the best
    possible one (`limits`, e.g. N / (ceil(N/C)·D)) as a dashed line; labels: (measured, limit).
    The x ticks are the measured numbers of workers."""
    fig = new_figure(7, 3.8)
    ax = fig.subplots()
    ax.plot(workers, rates, "o-", label=labels[0])
    ax.plot(workers, limits, "k--", lw=2, label=labels[1])
    ax.set_xticks(list(workers), [str(w) for w in workers])
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_connections(
    counts: Sequence[int],
    series: dict[str, tuple[Sequence[float], Sequence[float]]],
    title: str,
    xlabel: str,
    ylabels: tuple[str, str],
) -> None:
    """Show `connections_figure` in the notebook."""
    show(connections_figure(counts, series, title, xlabel, ylabels))


def connections_figure(
    counts: Sequence[int],
    series: dict[str, tuple[Sequence[float], Sequence[float]]],
    title: str,
    xlabel: str,
    ylabels: tuple[str, str],
) -> Figure:
    """Two panels against the number of connections: memory (left) and latency (right), a line
    per server: series = {label: (memory values, latency values)}; ylabels: (memory, latency)."""
    fig = new_figure(9, 3.6)
    axes = fig.subplots(1, 2)
    for label, values in series.items():
        for ax, ys in zip(axes, values):
            ax.plot(counts, ys, "o-", label=label)
    for ax, ylabel in zip(axes, ylabels):
        ax.set_xticks(list(counts), [str(count) for count in counts])
        ax.set_ylim(bottom=0)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return fig
