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
    points: Sequence[Any], axis: str, title: str, xlabel: str, ylabel: str, limit_label: str
) -> Figure | None:
    """Wall time of benchmark points against N or C (axis="n" or "concurrency"), a line per
    variant, and their limit ceil(N/C)·D as a dashed line. None when no point has a result.
    """
    from matplotlib.ticker import FuncFormatter, NullFormatter

    chosen = [p for p in points if p.wall_s and p.limit_s]
    if not chosen:
        return None
    fig = new_figure(7, 4.2)
    ax = fig.subplots()
    for variant in dict.fromkeys(p.variant for p in chosen):
        mine = sorted((p for p in chosen if p.variant == variant), key=lambda p: getattr(p, axis))
        ax.plot([getattr(p, axis) for p in mine], [p.wall_s for p in mine], "o-", label=variant)
    by_x = {getattr(p, axis): p.limit_s for p in chosen}
    xs = sorted(by_x)
    ax.plot(xs, [by_x[x] for x in xs], "k--", lw=2, label=limit_label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(xs, [f"{x:g}" for x in xs])  # the measured N or C, not powers of ten
    ax.xaxis.set_minor_formatter(NullFormatter())
    plain = FuncFormatter(lambda value, _: f"{value:g}")  # 0.6, not 6×10⁻¹
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def bars_figure(labels: Sequence[str], values: Sequence[float], title: str, ylabel: str) -> Figure:
    """A plain bar chart with the value written on each bar."""
    fig = new_figure(7, 3.6)
    ax = fig.subplots()
    bars = ax.bar(labels, values, color="tab:blue")
    ax.bar_label(bars, fmt=lambda v: f"{v:.0f}" if v >= 100 else f"{v:.1f}")
    ax.margins(y=0.12)  # room for the label above the tallest bar
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", labelsize=8)
    return fig
