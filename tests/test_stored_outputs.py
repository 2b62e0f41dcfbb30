"""What every notebook stores is what every student sees: no machine's paths, the default port.

Stored outputs come from a real run on some machine; a path of that machine (the checkout, the
virtual environment, the interpreter's install folder, a home folder) or a port other than the
flag server's default (8001) would differ on the student's machine and mislead them.
"""

import json
import re
import sys
from pathlib import Path

import pytest

from course.paths import NOTEBOOKS_DIR, REPO_ROOT
from flagserver.launcher import DEFAULT_PORT

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
MACHINE_PATHS = re.compile(r"(?:/home/|/root/|/Users/|[A-Z]:\\\\Users|/tmp/|site-packages)")
FLAG_SERVER_LINE = re.compile(r"Flag server: http://127\.0\.0\.1:(\d+)/")  # start_server()


def stored_texts(path: Path) -> list[tuple[int, str]]:
    """(cell number, text) of every stored output: streams, results, errors' tracebacks."""
    texts = []
    for number, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        for output in cell.get("outputs", []):
            parts = [output.get("text", "")]
            parts += [output.get("data", {}).get(kind, "") for kind in ("text/plain", "text/html")]
            parts += output.get("traceback", [])
            texts += [(number, "".join(part)) for part in parts if part]
    return texts


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_stored_outputs_show_no_path_of_the_machine_that_ran_them(path):
    found = [
        f"cell {number}: {line.strip()[:120]}"
        for number, text in stored_texts(path)
        for line in text.splitlines()
        if str(REPO_ROOT) in line or sys.prefix in line or MACHINE_PATHS.search(line)
    ]
    assert not found, "\n".join(found)


def test_stored_outputs_were_recorded_with_the_flag_server_on_its_default_port():
    ports = {
        path.name: {
            int(m[1]) for _, text in stored_texts(path) for m in FLAG_SERVER_LINE.finditer(text)
        }
        for path in NOTEBOOKS
    }
    shown = {name: found for name, found in ports.items() if found}
    assert len(shown) >= 5, f"start_server() lines found only in {sorted(shown)}"
    assert all(found == {DEFAULT_PORT} for found in shown.values()), shown
