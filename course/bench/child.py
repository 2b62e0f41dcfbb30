"""The child process of every measurement: python -m course.bench.child VARIANT URL N C.

It runs one variant (course.bench.variants) in a fresh process and prints one line of JSON:
wall and CPU seconds, bytes received, peak memory, context switches. A process of its own
means the peak memory belongs to that variant alone, and one variant's leftovers (threads,
sockets, an event loop) never slow the next one. `course.bench.measure.measure` starts it
and reads the line.
"""

import importlib
import json
import sys
import time
from pathlib import Path

from course.bench.variants import DOWNLOADERS, LIBRARIES, flag_urls


def proc_status_mib(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status (Linux), in MiB."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    kib = next((line.split()[1] for line in status.splitlines() if line.startswith(field)), 0)
    return int(kib) / 2**10 or None


def peak_rss_mib() -> float:
    """This process's peak resident memory in MiB.

    VmHWM where Linux has it: ru_maxrss survives fork + exec, so a child of a big process
    (a Jupyter kernel) would report its parent's size. Elsewhere ru_maxrss (bytes on macOS).
    """
    if linux_peak := proc_status_mib("VmHWM:"):
        return linux_peak
    try:
        import resource
    except ImportError:  # Windows: psutil knows the peak working set
        import psutil

        return psutil.Process().memory_info().peak_wset / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def peak_vm_mib() -> float | None:
    """Peak address space reserved (VmPeak, Linux only): thread stacks count here in full."""
    return proc_status_mib("VmPeak:")


def context_switches() -> int:
    """How many times the OS has taken the CPU from this process's threads so far:
    voluntary (a thread waits: a socket, a lock) + involuntary (its time slice ran out).

    getrusage counts every thread, the finished ones too; psutil's num_ctx_switches reads
    /proc/self/status on Linux, which is the main thread's alone. Windows has no getrusage.
    """
    try:
        import resource
    except ImportError:
        import psutil

        switches = psutil.Process().num_ctx_switches()
        return switches.voluntary + switches.involuntary
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_nvcsw + usage.ru_nivcsw


def run_here(variant: str, base_url: str, n: int, concurrency: int) -> dict[str, float | None]:
    """Run one variant in this process: wall time, bytes received, peak memory, switches."""
    urls = flag_urls(base_url, n)
    downloader = DOWNLOADERS[variant]
    for module in LIBRARIES[variant]:
        importlib.import_module(module)
    switches0 = context_switches()
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    received = downloader(urls, concurrency)
    wall = time.perf_counter() - t0
    switches = context_switches() - switches0
    return {
        "wall_s": wall,
        "cpu_s": time.process_time() - cpu0,
        "bytes": received,
        "peak_rss_mib": peak_rss_mib(),
        "peak_vm_mib": peak_vm_mib(),
        "ctx_switches": switches,
    }


def main(argv: list[str]) -> None:
    """The child: python -m course.bench.child VARIANT BASE_URL N C -> one line of JSON."""
    variant, base_url, n, concurrency = argv
    print(json.dumps(run_here(variant, base_url, int(n), int(concurrency))))


if __name__ == "__main__":
    main(sys.argv[1:])
