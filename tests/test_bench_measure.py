"""course.bench.measure: the limit, one tiny point per variant in a child process, the matrix."""

import re
import subprocess
import sys
import time

import pytest

from course.bench.measure import (
    Point,
    busy_while,
    delay_of,
    describe,
    find,
    limit_seconds,
    matrix,
    measure,
)
from course.bench.variants import VARIANTS
from flagserver import free_port


def test_limit_is_full_waves_of_concurrent_requests_times_the_delay():
    assert limit_seconds(1000, 100, 0.1) == pytest.approx(1.0)
    assert limit_seconds(1001, 100, 0.1) == pytest.approx(1.1)  # a partial wave costs a full D
    assert limit_seconds(20, 1000, 0.1) == pytest.approx(0.1)  # more slots than requests
    assert limit_seconds(20, 1, 0.5) == pytest.approx(10.0)  # sequential
    assert limit_seconds(1000, 10, 0) == 0


def test_delay_is_read_from_the_scenario_url():
    assert delay_of("http://127.0.0.1:8001/delay/0.25/flags") == 0.25
    assert delay_of("http://127.0.0.1:8001/delay/0.1/errors/0.5/flags") == 0.1
    assert delay_of("http://127.0.0.1:8001/flags") == 0.0


def test_matrix_runs_concurrency_above_n_only_once():
    points = matrix([20, 1000], [10, 100, 1000], [0.1])
    assert points == [
        (20, 10, 0.1),
        (20, 100, 0.1),
        (1000, 10, 0.1),
        (1000, 100, 0.1),
        (1000, 1000, 0.1),
    ]


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_downloads_a_tiny_matrix_point_no_faster_than_the_limit(flag_server, variant):
    point = measure(variant, flag_server.url_for(delay=0.05), n=20, concurrency=10)
    assert point.error == ""
    assert point.limit_s == pytest.approx(1.0 if variant == "sequential" else 0.1)  # C=1 or 10
    assert point.ratio >= 1  # physics: nothing beats ceil(N/C) * D
    assert point.ratio < 20  # generous: a shared, noisy machine
    assert 5 < point.peak_rss_mib < 1000
    assert point.cpu_ms_per_req > 0


def test_the_fastest_of_several_runs_is_kept_and_what_others_used_is_measured(flag_server):
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # it is running
        url = flag_server.url_for(delay=0.05)
        # 500 requests: enough server work to show in its CPU time (counted in 10 ms ticks)
        point = measure("aiohttp", url, n=500, concurrency=100, server_pid=flag_server.pid, tries=2)
    finally:
        burner.kill()
        burner.wait()
    assert point.error == "" and point.tries == 2
    assert describe(point).endswith("(the fastest of 2)")
    assert point.server_cpu_s > 0  # the server's work is its own, not "other programs"
    assert point.others_cores > 0.5  # the burner kept about a core busy
    assert "cores busy during aiohttp N=500 C=100" in busy_while([point])


def test_times_count_only_when_every_point_had_the_machine_to_itself():
    quiet, unknown = (
        Point("httpx", "flagserver", 20, 10, 0.1),
        Point("aiohttp", "flagserver", 20, 10, 0.1),
    )
    quiet.others_cores = 0.1
    assert busy_while([quiet, unknown]) == ""  # unknown (no server pid) counts as free
    unknown.others_cores = 0.9
    assert (
        busy_while([quiet, unknown])
        == "other programs kept 0.9 cores busy during aiohttp N=20 C=10"
    )


def test_a_failing_child_is_reported_not_raised(flag_server):
    point = measure("threads", flag_server.url + "/no-such-scenario", n=3, concurrency=2)
    assert point.wall_s is None
    assert "404" in point.error


def test_find_keeps_the_points_whose_fields_all_match(flag_server):
    point = measure("threads", flag_server.url, n=4, concurrency=2)
    assert find([point], variant="threads", n=4) == [point]
    assert find([point], variant="threads", n=5) == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_refused_connection_is_one_line_naming_it_for_every_variant(variant):
    point = measure(variant, f"http://127.0.0.1:{free_port()}/flags", n=3, concurrency=2)
    assert point.wall_s is None
    assert "\n" not in point.error
    assert re.search(r"connect", point.error, re.IGNORECASE), point.error
