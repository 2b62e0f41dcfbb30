"""The scripts at the top of the repository are exactly what the notebooks write."""

import json
import re

import pytest

from course.paths import REPO_ROOT

WRITEFILE = re.compile(r"%%writefile\s+\.\./(?P<name>[\w.-]+)\s*$")


def writefile_cells() -> list[tuple[str, str, str]]:
    """(notebook, script, text written) for every `%%writefile ../X` cell of every notebook."""
    found = []
    for notebook in sorted((REPO_ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            first, _, body = source.partition("\n")
            if cell["cell_type"] == "code" and (match := WRITEFILE.match(first)):
                # IPython ends a cell with a newline before %%writefile gets its body
                text = body if body.endswith("\n") else body + "\n"
                found.append((notebook.name, match["name"], text))
    return found


CELLS = writefile_cells()


def test_notebook_01_writes_the_spinner_and_primes_scripts():
    written = {(notebook, script) for notebook, script, _ in CELLS}
    for script in [
        "spinner_thread.py",
        "spinner_asyncio.py",
        "spinner_process.py",
        "spinner_asyncio_blocked.py",
        "primes.py",
    ]:
        assert ("01_concurrency_models.ipynb", script) in written


@pytest.mark.parametrize(
    "notebook, script, text", CELLS, ids=[f"{nb}:{script}" for nb, script, _ in CELLS]
)
def test_committed_script_is_exactly_what_the_notebook_writes(notebook, script, text):
    committed = REPO_ROOT / script
    assert committed.exists(), f"{notebook} writes {script}, but it is not in the repository"
    assert committed.read_text(encoding="utf-8") == text, (
        f"{script} differs from its %%writefile cell in {notebook}: re-run the cell or fix one"
    )
