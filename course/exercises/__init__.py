"""Exercise checks: the core (`check`, `verify`, `NotYet`, the registry, deadlines) in core.py,
and one module per notebook, exNN_notebook.py, with the checks of that notebook's exercises.
Importing this package registers every check.
"""

from course.exercises import (  # noqa: F401  (each module registers its checks)
    ex00_start_here,
    ex01_concurrency_models,
    ex02_futures,
    ex03_asyncio,
    ex04_robust_downloads,
    ex05_scaling,
    ex06_shared_state,
    ex07_event_loop_inside,
    ex08_servers_streams,
    ex09_beyond_one_machine,
)
from course.exercises.core import EXERCISES, NotYet, check, exercise, verify

__all__ = ["EXERCISES", "NotYet", "check", "exercise", "verify"]
