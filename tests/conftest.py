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
