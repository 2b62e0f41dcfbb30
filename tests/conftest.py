"""Fixtures only (shared helpers: tests/helpers.py; hooks for every run: ../conftest.py)."""

import pytest

from flagserver import start_server


@pytest.fixture(scope="session")
def flag_server():
    """A real flag server (uvicorn in a child process) on a free port for the whole session."""
    server = start_server(port=0, quiet=True)
    yield server
    server.stop()
