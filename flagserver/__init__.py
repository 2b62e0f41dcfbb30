"""The local flag server of the course, and nothing else.

- `python -m flagserver [--port 8001]`: the server (CLI in `flagserver.cli`, app in
  `flagserver.app`; the URL scheme is in the app's docstring);
- `start_server()`: start it from a notebook or a test in one line, reusing a healthy one
  (`flagserver.launcher`);
- `load_flags()`, `load_countries()`, `fails()`: the data it serves and the rule that picks
  its injected errors.
"""

from flagserver.app import (
    DATA_DIR,
    FLAGS_DIR,
    HEALTH_TEXT,
    create_app,
    fails,
    load_countries,
    load_flags,
)
from flagserver.cli import DEFAULT_HOST, DEFAULT_PORT
from flagserver.launcher import (
    FlagServer,
    FlagServerError,
    free_port,
    probe,
    start_server,
    stop_process,
    wait_until_stopped,
)

__all__ = [
    "DATA_DIR",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "FLAGS_DIR",
    "HEALTH_TEXT",
    "FlagServer",
    "FlagServerError",
    "create_app",
    "fails",
    "free_port",
    "load_countries",
    "load_flags",
    "probe",
    "start_server",
    "stop_process",
    "wait_until_stopped",
]
