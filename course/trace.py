"""See every HTTP request of scripts run side by side: when it started and when it ended.

    >>> from course import run_traced
    >>> runs = run_traced(["flags_seq.py", "flags_asyncio.py"], env={"FLAGS_BASE_URL": url})
    >>> runs[1].max_in_flight                # 20: every request waited at the same time
    >>> runs[1].requests[0]                  # Request(url='http://...', start=..., end=..., ...)

The scripts are not changed and print exactly what they print alone: `run_traced` starts them
with `run_side_by_side` and only adds two environment variables. PYTHONPATH puts the folder
`course/tracehook` first, so Python imports its `sitecustomize` at start-up; with
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

from course.sidebyside import (
    COLUMN_WIDTH,
    TIMEOUT,
    RunResult,
    Script,
    make_label,
    run_side_by_side,
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
