"""pytest hooks for every run, whatever paths it is given (fixtures live in tests/conftest.py).

They sit at the project's root so that `pytest -n 2 notebooks/03_asyncio.ipynb` keeps a
notebook's cells on one worker, in order, and `-m "not slow"` leaves notebooks out, just like
`make test`.
"""

import pytest


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
