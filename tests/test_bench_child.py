"""course.bench.child: one measurement in this process, and the one line of JSON it prints."""

import json
import subprocess
import sys

from course.bench.child import peak_rss_mib, run_here


def test_run_here_reports_time_bytes_and_memory(flag_server):
    result = run_here("aiohttp", flag_server.url, 10, 5)
    assert result["bytes"] > 10 * 100  # ten GIFs of a few hundred bytes or more
    assert result["wall_s"] > 0 and result["cpu_s"] > 0
    assert 5 < result["peak_rss_mib"] < 1000


def test_the_child_prints_one_line_of_json(flag_server):
    command = [sys.executable, "-m", "course.bench.child", "threads", flag_server.url, "4", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    assert set(json.loads(done.stdout)) == {
        "wall_s",
        "cpu_s",
        "bytes",
        "peak_rss_mib",
        "peak_vm_mib",
    }


def test_peak_memory_is_this_process_not_its_parent():
    assert peak_rss_mib() < 1000  # a Jupyter kernel's child used to report the kernel's size
