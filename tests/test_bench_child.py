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
    assert result["ctx_switches"] > 0  # waiting for ten answers puts the process to sleep


def test_threads_switch_more_than_one_event_loop(flag_server):
    threads = run_here("threads", flag_server.url_for(delay=0.05), 40, 40)["ctx_switches"]
    loop = run_here("aiohttp", flag_server.url_for(delay=0.05), 40, 40)["ctx_switches"]
    assert threads > 2 * loop  # 40 threads each sleep on a socket and wake; one loop waits once


def test_the_child_prints_one_line_of_json(flag_server):
    command = [sys.executable, "-m", "course.bench.child", "threads", flag_server.url, "4", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    assert set(json.loads(done.stdout)) == {
        "wall_s",
        "cpu_s",
        "bytes",
        "peak_rss_mib",
        "peak_vm_mib",
        "ctx_switches",
    }


def test_peak_memory_is_this_process_not_its_parent():
    assert peak_rss_mib() < 1000  # a Jupyter kernel's child used to report the kernel's size
