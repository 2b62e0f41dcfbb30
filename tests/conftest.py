"""Fixtures only (shared helpers are plain functions in tests/helpers.py)."""

import pytest

from flagserver import start_server


@pytest.fixture(scope="session")
def flag_server():
    """A real flag server (uvicorn in a child process) on a free port for the whole session."""
    server = start_server(port=0, quiet=True)
    yield server
    server.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every notebook cell nbval runs is slow: `pytest -m "not slow"` leaves the notebooks out."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`make test` runs two pytest-xdist workers: all notebooks on one, in order; the rest by file.

    The notebooks share the flag server on the default port, and their speed checks want the
    machine's cores, so two of them never run at the same time: their nbval runs and their
    second runs (tests/test_notebook_runs.py) go one after another on one worker. A test
    module stays whole on its worker (like --dist loadfile).
    """
    from xdist.scheduler import LoadScopeScheduling

    class NotebooksTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            together = path.endswith(".ipynb") or path.endswith("test_notebook_runs.py")
            return "notebooks" if together else path

    return NotebooksTogether(config, log)
