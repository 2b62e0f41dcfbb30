"""The notebook API: everything a notebook of the course calls, imported from one place.

    from course import check, run_script, run_side_by_side, start_server

What lives where (one module per concern):

    paths.py        REPO_ROOT: the course's folder, where the notebooks write their scripts
    data.py         COURSE_CODES (the 20 codes of flags_seq.py), flag_gifs()
    sidebyside.py   run_script, run_side_by_side, RunResult, diff_scripts, import_script
    load.py         OtherLoad, parallel_cores, why_busy, why_no_free_core: is the machine free
    plots.py        every plot (titles and labels passed in), show()
    trace.py        run_traced: every HTTP request of scripts run side by side (+ tracehook/)
    cluster.py      start_cluster, leftovers: a Dask cluster on 127.0.0.1 (notebook 09)
    exercises/      check(): the exercise checks, core.py + one module per notebook
    bench/          the benchmark: make bench (python -m course.bench), measure() for notebook 05

The flag server itself is the package `flagserver`; its `start_server`, `fails` and
`stop_process` are re-exported here so that a notebook needs no second import.
"""

from course.bench import (
    busy_while,
    describe,
    find,
    library_versions,
    limit_seconds,
    make_async_client,
    measure,
    time_share,
    time_share_and_calls,
)
from course.cluster import CourseCluster, leftovers, start_cluster
from course.data import COURSE_CODES, flag_gifs
from course.exercises import check
from course.load import OtherLoad, cores_available, parallel_cores, why_busy, why_no_free_core
from course.paths import REPO_ROOT
from course.plots import (
    bars_figure,
    plot_break_even,
    plot_connections,
    plot_events,
    plot_requests,
    plot_speedup,
    plot_states,
    plot_task_stream,
    plot_throughput,
    plot_timeline,
    scaling_figure,
    show,
)
from course.sidebyside import RunResult, diff_scripts, import_script, run_script, run_side_by_side
from course.trace import read_traces, run_traced, trace_env
from flagserver import FlagServer, fails, start_server, stop_process

__all__ = [
    "COURSE_CODES",
    "CourseCluster",
    "REPO_ROOT",
    "FlagServer",
    "OtherLoad",
    "parallel_cores",
    "cores_available",
    "why_busy",
    "why_no_free_core",
    "RunResult",
    "bars_figure",
    "busy_while",
    "check",
    "describe",
    "diff_scripts",
    "fails",
    "leftovers",
    "find",
    "flag_gifs",
    "import_script",
    "library_versions",
    "limit_seconds",
    "make_async_client",
    "measure",
    "plot_break_even",
    "plot_events",
    "plot_requests",
    "plot_speedup",
    "plot_states",
    "plot_task_stream",
    "plot_connections",
    "plot_throughput",
    "plot_timeline",
    "run_script",
    "run_side_by_side",
    "read_traces",
    "run_traced",
    "scaling_figure",
    "show",
    "start_cluster",
    "start_server",
    "stop_process",
    "trace_env",
    "time_share",
    "time_share_and_calls",
]
