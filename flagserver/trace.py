"""See every HTTP request of scripts run side by side: when it started and when it ended.

    >>> from flagserver.trace import run_traced, plot_requests
    >>> runs = run_traced(["flags_seq.py", "flags_asyncio.py"], env={"FLAGS_BASE_URL": url})
    >>> plot_requests(runs)                  # shows a Gantt chart per script, a bar per request
    >>> runs[1].requests[0]                  # Request(url='http://...', start=..., end=..., ...)

The scripts are not changed and print exactly what they print alone: `run_traced` starts them
with `run_side_by_side` and only adds two environment variables. PYTHONPATH puts the folder
`flagserver/tracehook` first, so Python imports its `sitecustomize` at start-up; with
FLAGS_TRACE set, that module wraps `httpx.Client.send` and `httpx.AsyncClient.send` and
writes each request's url, start, end (`time.perf_counter()`, the same clock as
`RunResult.start`) and status to a file when the script exits.
"""

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

from flagserver.sidebyside import (
    COLUMN_WIDTH,
    TIMEOUT,
    RunResult,
    Script,
    make_label,
    run_side_by_side,
    show,
)

HOOK_DIR = Path(__file__).resolve().parent / "tracehook"


@dataclass
class Request:
    """One HTTP request a script made: `start`/`end` are `time.perf_counter()` values."""

    url: str
    start: float
    end: float
    status: str  # "200", "503"... or the exception's class name, e.g. "ConnectError"

    @property
    def name(self) -> str:
        """What to call it on a chart: the flag code for a flag URL, else the last path part."""
        parts = self.url.rstrip("/").split("/")
        return parts[-2].upper() if parts[-1].endswith(".gif") else parts[-1]


@dataclass
class TracedResult(RunResult):
    """A `RunResult` plus the script's HTTP requests, in the order they started."""

    requests: list[Request] = field(default_factory=list)

    @property
    def span(self) -> float:
        """Seconds from the start of the first request to the end of the last one."""
        if not self.requests:
            return 0.0
        return max(r.end for r in self.requests) - min(r.start for r in self.requests)

    @property
    def max_in_flight(self) -> int:
        """The most requests that were waiting for their answers at the same moment."""
        return max(
            (sum(r.start <= s.start < r.end for r in self.requests) for s in self.requests),
            default=0,
        )


def trace_env(trace_dir: str | Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """`env` plus what turns tracing on: FLAGS_TRACE and the hook folder first on PYTHONPATH."""
    env = dict(env or {})
    paths = [str(HOOK_DIR), env.get("PYTHONPATH", os.environ.get("PYTHONPATH", ""))]
    return {
        **env,
        "FLAGS_TRACE": str(trace_dir),
        "PYTHONPATH": os.pathsep.join(filter(None, paths)),
    }


def read_traces(trace_dir: str | Path) -> dict[str, list[Request]]:
    """The requests written by each traced process, by label (`script.py args`)."""
    traces: dict[str, list[Request]] = {}
    for path in Path(trace_dir).glob("*.json"):
        data = json.loads(path.read_text())
        requests = [Request(*item) for item in data["requests"]]
        traces[data["label"]] = sorted(requests, key=lambda r: r.start)
    return traces


def run_traced(
    scripts: Sequence[Script],
    env: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
    width: int = COLUMN_WIDTH,
) -> list[TracedResult]:
    """`run_side_by_side(...)` that also records every request of every script.

    Prints the same columns and wall times; each script must appear once (runs are matched to
    their traces by label).
    """
    labels = [make_label(script) for script in scripts]
    if len(set(labels)) != len(labels):
        raise ValueError(f"each script may appear only once: {labels}")
    with tempfile.TemporaryDirectory(prefix="flags-trace-") as trace_dir:
        results = run_side_by_side(scripts, trace_env(trace_dir, env), timeout, width)
        traces = read_traces(trace_dir)
    return [TracedResult(**vars(r), requests=traces.get(r.label, [])) for r in results]


def plot_requests(runs: Sequence[TracedResult], title: str = "HTTP requests") -> None:
    """Show a Gantt chart of every request of every run in the notebook (`requests_figure`)."""
    show(requests_figure(runs, title))


def requests_figure(runs: Sequence[TracedResult], title: str) -> Figure:
    """A Gantt chart per run: a bar per request from its start to its end, on one time axis.

    Time 0 is the moment the first script was started; the thin grey bar is the process's life.
    """
    t0 = min(run.start for run in runs)
    rows = max([len(run.requests) for run in runs] + [1])
    fig = Figure(figsize=(9, len(runs) * (0.14 * rows + 0.9) + 0.6), layout="constrained")
    axes = fig.subplots(len(runs), 1, sharex=True, squeeze=False)[:, 0]
    for ax, run in zip(axes, runs):
        ax.barh(-1, run.wall, left=run.start - t0, height=0.4, color="lightgrey")
        for row, request in enumerate(run.requests):
            color = "tab:blue" if request.status.startswith("2") else "tab:red"
            ax.barh(row, request.end - request.start, left=request.start - t0, color=color)
        names = [request.name for request in run.requests]
        ax.set_yticks(range(-1, len(names)), ["process", *names], fontsize=7)
        ax.set_ylim(rows, -1.8)
        ax.set_title(f"{run.label}: {len(names)} requests in {run.span:.2f} s", fontsize=10)
    axes[-1].set_xlabel("seconds since the scripts were started")
    fig.suptitle(title)
    return fig
