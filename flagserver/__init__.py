"""The course's support package.

- the local flag server: `python -m flagserver` (app in `flagserver.app`);
- `start_server()`: start it from a notebook or a test in one line (`flagserver.launcher`).
"""

from flagserver.launcher import FlagServer, FlagServerError, start_server

__all__ = ["FlagServer", "FlagServerError", "start_server"]
