"""Run the course's scripts as real processes from a notebook: one live, or several side by side.

    >>> from course import diff_scripts, plot_timeline, run_script, run_side_by_side
    >>> result = run_script("spinner_thread.py")          # output streams live into the cell
    >>> results = run_side_by_side(["spinner_thread.py", "spinner_asyncio.py"])
    >>> plot_timeline(results, "Спиннеры", "секунды")     # a timeline (course.plots)
    >>> diff_scripts("spinner_thread.py", "spinner_process.py")  # what changed between them

Every script runs with the kernel's own interpreter (`sys.executable -u`, so output is not
buffered) and with the repository root as its working directory, wherever the notebook is.
Scripts started together really run at the same time: each one's output is read by its own
thread, stamped with the time it arrived, and kept in a `RunResult`.
"""

import codecs
import difflib
import linecache
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO

from course.paths import REPO_ROOT
from flagserver import stop_process

TIMEOUT = 120.0  # seconds; a script still running after that is killed and reported
COLUMN_GAP = " | "
COLUMN_WIDTH = 34  # longer lines are cut with "~": paths and pids must not move the columns
OUT = ("stdout", "stderr")  # the pipes read from every script
ROOT_PREFIX = str(REPO_ROOT) + os.sep  # shown as "": see relative()

Script = str | Path | tuple[str | Path, Sequence[str | int]]  # a name, or (name, args)
Chunk = tuple[int, str, float, bytes | None]  # script index, pipe name, arrival time, data or EOF

__all__ = [
    "RunResult",
    "diff_scripts",
    "format_columns",
    "import_script",
    "render_line",
    "run_script",
    "run_side_by_side",
]


@dataclass
class RunResult:
    """What one script did: its output, exit code and when things happened.

    `start`, `end` and `events` are `time.perf_counter()` values; `events` holds the moment
    each piece of standard output arrived (a spinner frame, a line...). `cpu` is the CPU time
    (user + system) of the script and the processes it waited for; only `run_script` measures
    it, and only on Linux and macOS (elsewhere it stays None).
    """

    label: str
    returncode: int
    stdout: str
    stderr: str
    start: float
    end: float
    events: list[float] = field(default_factory=list)
    cpu: float | None = None

    @property
    def wall(self) -> float:
        """Wall-clock seconds from start to exit."""
        return self.end - self.start

    @property
    def ok(self) -> bool:
        """True if the script exited with code 0."""
        return self.returncode == 0

    def screen(self) -> str:
        """Standard output as a terminal would leave it: text redrawn after `\\r` is gone."""
        return "\n".join(render_line(line) for line in self.stdout.split("\n")).rstrip("\n")


def render_line(line: str) -> str:
    """Apply carriage returns like a terminal: later text overwrites the start of the line."""
    screen = ""
    for part in line.split("\r"):
        screen = part + screen[len(part) :]
    return screen.rstrip()


def split_script(script: Script) -> tuple[Path, list[str]]:
    """Turn `"name.py"` or `("name.py", ["arg", ...])` into an absolute path and arguments."""
    name, args = script if isinstance(script, tuple) else (script, [])
    return REPO_ROOT / name, [str(arg) for arg in args]


def make_label(script: Script) -> str:
    """`spinner_thread.py` or `primes.py threads 2`: how a run is named in tables and plots."""
    path, args = split_script(script)
    return " ".join([path.name, *args])


def start(script: Script, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start one script with the kernel's interpreter, unbuffered, in the repository root.

    `env` adds variables to (or overrides them in) the kernel's own environment.
    """
    path, args = split_script(script)
    child_env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-u", str(path), *args],
        cwd=REPO_ROOT,
        env=child_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=os.name == "posix",  # so stop() also reaches the script's children
    )


def pump(index: int, name: str, pipe: IO[bytes], chunks: queue.Queue[Chunk]) -> None:
    """Thread body: forward whatever the pipe delivers, as soon as it arrives, then `None`."""
    while data := os.read(pipe.fileno(), 4096):
        chunks.put((index, name, time.perf_counter(), data))
    chunks.put((index, name, time.perf_counter(), None))


def collect(
    scripts: Sequence[Script], env: Mapping[str, str] | None, live: bool, timeout: float
) -> list[RunResult]:
    """Start all scripts at once and gather their output; echo it to this process if `live`."""
    chunks: queue.Queue[Chunk] = queue.Queue()
    starts, procs, threads = [], [], []
    try:
        for index, script in enumerate(scripts):
            starts.append(time.perf_counter())
            procs.append(proc := start(script, env))
            for name, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr)):
                threads.append(threading.Thread(target=pump, args=(index, name, pipe, chunks)))
                threads[-1].start()
        texts, events, ends = read_chunks(procs, chunks, live, timeout)
    finally:
        for proc in procs:
            stop_process(proc)  # a script still running (timeout, Ctrl-C) and what it started
        for thread in threads:
            thread.join()
        for proc in procs:
            proc.stdout.close()
            proc.stderr.close()
    return [
        RunResult(make_label(s), p.returncode, *texts[i], starts[i], ends[i], events[i])
        for i, (s, p) in enumerate(zip(scripts, procs))
    ]


def read_chunks(
    procs: list[subprocess.Popen[bytes]], chunks: queue.Queue[Chunk], live: bool, timeout: float
) -> tuple[list[tuple[str, str]], list[list[float]], list[float]]:
    """Receive output until every pipe is closed; return texts, output times, exit times."""
    deadline = time.perf_counter() + timeout
    decoders = [{n: codecs.getincrementaldecoder("utf-8")("replace") for n in OUT} for _ in procs]
    texts = [{n: "" for n in OUT} for _ in procs]
    events: list[list[float]] = [[] for _ in procs]
    ends = [0.0 for _ in procs]
    open_pipes = [len(OUT) for _ in procs]
    while any(open_pipes):
        try:
            index, name, when, data = chunks.get(timeout=max(deadline - time.perf_counter(), 0))
        except queue.Empty:
            raise TimeoutError(f"still running after {timeout:.0f} s, killed") from None
        text = decoders[index][name].decode(data or b"", final=data is None)
        texts[index][name] += text
        if data is None:
            open_pipes[index] -= 1
            if not open_pipes[index]:
                procs[index].wait()
                ends[index] = time.perf_counter()
        elif name == "stdout":
            events[index].append(when)
        if live and text:
            stream = sys.stdout if name == "stdout" else sys.stderr
            stream.write(relative(text))
            stream.flush()
    return [(t["stdout"], t["stderr"]) for t in texts], events, ends


def relative(text: str) -> str:
    """Text as it is shown: paths inside the course's folder relative to it (`/home/you/
    course/flags_seq.py` -> `flags_seq.py`), so every student sees, and a notebook stores,
    the same output. RunResult keeps what the script really printed.
    """
    return text.replace(ROOT_PREFIX, "")


def run_script(
    name: str | Path,
    *args: str | int,
    env: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> RunResult:
    """Run one script and stream its output live into the cell; return what it did.

    `args` are the script's command-line arguments; `env` adds variables to its environment.

    A failing script is reported after its own output: exit code and stderr stay visible.
    """
    cpu_before = children_cpu()
    (result,) = collect([(name, args)], env, live=True, timeout=timeout)
    if cpu_before is not None:
        result.cpu = children_cpu() - cpu_before
    if not result.ok:
        print(f"\n{result.label} FAILED with exit code {result.returncode}")
    return result


def children_cpu() -> float | None:
    """CPU seconds used by this process's finished children (and theirs); None on Windows."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_side_by_side(
    scripts: Sequence[Script],
    env: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
    width: int = COLUMN_WIDTH,
) -> list[RunResult]:
    """Start several scripts together, then print their outputs in columns with wall times.

    Each item is a script name or `(name, [args])`; `env` is passed to all of them.
    """
    results = collect(scripts, env, live=False, timeout=timeout)
    print(format_columns(results, width))
    for result in results:
        if not result.ok:
            print(f"\n{result.label} FAILED with exit code {result.returncode}; its stderr:")
            shown = "\n".join(render_line(line) for line in result.stderr.split("\n")).strip()
            print(relative(shown) or "(empty)")  # as a terminal shows it: the last bar only
    return results


def format_columns(results: Sequence[RunResult], width: int = COLUMN_WIDTH) -> str:
    """Lay the runs out side by side: name, screen output, exit code and wall time."""
    columns = [
        [
            cut(relative(line), width)
            for line in [r.label, *r.screen().splitlines(), *stderr_lines(r)]
        ]
        + ["", footer(r)]
        for r in results
    ]
    widths = [max(len(line) for line in column) for column in columns]
    height = max(len(column) for column in columns)
    rows = []
    for row in range(height):
        cells = [(c[row] if row < len(c) else "").ljust(w) for c, w in zip(columns, widths)]
        rows.append(COLUMN_GAP.join(cells).rstrip())
    rule = "-+-".join("-" * w for w in widths)
    total = max(r.end for r in results) - min(r.start for r in results)
    summary = f"all together: {total:.2f} s  (sum of the wall times: {sum_walls(results):.2f} s)"
    return "\n".join([rows[0], rule, *rows[1:], "", summary])


def cut(line: str, width: int) -> str:
    """The line, or its first `width - 1` characters and a "~" mark if it is longer."""
    return line if len(line) <= width else line[: width - 1] + "~"


def stderr_lines(result: RunResult) -> list[str]:
    """The stderr of a run, marked, for its column (empty when it wrote nothing there).

    Shown as a terminal would leave it, like stdout: a progress bar redrawn with `\\r` keeps
    only its last state.
    """
    lines = [render_line(line) for line in result.stderr.rstrip().split("\n")]
    return ["", "[stderr]", *lines] if result.stderr.strip() else []


def footer(result: RunResult) -> str:
    """`exit 0, wall 3.01 s`, or a FAILED mark with the exit code."""
    status = f"exit {result.returncode}" if result.ok else f"FAILED, exit {result.returncode}"
    return f"{status}, wall {result.wall:.2f} s"


def sum_walls(results: Sequence[RunResult]) -> float:
    """What the runs would take one after another."""
    return sum(result.wall for result in results)


def import_script(name: str) -> ModuleType:
    """Import the course's script `name`.py as a module, named by its path in the repository.

    Like `import name` with the repository root on sys.path, except that the code is compiled
    under the file name "name.py": a task's repr, a traceback or a warning then shows
    `spinner_asyncio.py:14` instead of the folder you checked the course out to.
    """
    path = REPO_ROOT / f"{name}.py"
    source = path.read_text(encoding="utf-8")
    module = ModuleType(name)
    module.__file__ = str(path)
    linecache.cache[path.name] = (len(source), None, source.splitlines(keepends=True), path.name)
    sys.modules[name] = module  # as import does: dataclasses and pickle look it up there
    exec(compile(source, path.name, "exec"), module.__dict__)
    return module


def diff_scripts(old: str | Path, new: str | Path) -> None:
    """Print the lines that differ between two scripts of the repository (a unified diff)."""
    old_lines, new_lines = ((REPO_ROOT / name).read_text().splitlines() for name in (old, new))
    diff = difflib.unified_diff(old_lines, new_lines, str(old), str(new), lineterm="", n=0)
    print("\n".join(diff))
