"""Helpers the tests share: plain functions, imported as `from helpers import ...`."""

import asyncio
import json
import runpy
import signal

from course.exercises import EXERCISES
from course.paths import NOTEBOOKS_DIR, SOLUTIONS_DIR


async def raw_get_async(port: int, target: str) -> tuple[int, bytes, bytes]:
    """Send the request target exactly as given (no client-side normalisation of '..').

    Returns (status, head, body).
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    writer.write(request.encode("latin-1"))
    await writer.drain()
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, head, body


def raw_get(port: int, target: str) -> tuple[int, bytes, bytes]:
    return asyncio.run(raw_get_async(port, target))


def solution(name: str):
    """The reference solution of exercise `name`: that function in solutions/{notebook}.py."""
    path = SOLUTIONS_DIR / f"{EXERCISES[name].notebook}.py"
    return runpy.run_path(str(path))[name]


def notebook_cells(name: str) -> list[str]:
    """The code cells of the notebook that holds exercise `name`."""
    path = NOTEBOOKS_DIR / f"{EXERCISES[name].notebook}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def starter(name: str):
    """The starter as shipped: the notebook's code cell that defines `name`, run on its own."""
    sources = [source for source in notebook_cells(name) if f"def {name}(" in source]
    assert len(sources) == 1, f"expected one starter cell defining {name} in the notebook"
    namespace: dict = {}
    exec(compile(sources[0], f"<starter {name}>", "exec"), namespace)
    return namespace[name]


def sigint_as_in_a_terminal() -> None:
    """Runs in the child before Python starts: Ctrl-C (SIGINT) acts as it does in a terminal.

    A shell starts background jobs with SIGINT ignored, and a Python started that way never
    raises KeyboardInterrupt: without this the Ctrl-C tests would depend on how pytest was run.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
