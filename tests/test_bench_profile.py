"""course.bench.profile: the share of a measurement's time spent in one function, from cProfile."""

import pytest

from course.bench.profile import profile, time_share, time_share_and_calls
from flagserver import free_port


def test_the_share_of_a_function_and_what_it_calls_is_between_0_and_1(flag_server):
    url = flag_server.url_for(delay=0.05)
    share = time_share("httpx", url, 40, 20, "_assign_requests_to_connections")
    assert 0 < share < 1
    assert time_share("httpx", url, 40, 20, "no_such_function") == 0


def test_the_profile_is_of_the_benchmark_child(flag_server):
    stats = profile("aiohttp", flag_server.url, 10, 5)
    assert any(name == "run_here" for (_, _, name) in stats.stats)


def test_a_failing_run_says_why_in_one_line():
    with pytest.raises(RuntimeError, match="httpx2 failed under the profiler: .*ConnectError"):
        profile("httpx2", f"http://127.0.0.1:{free_port()}/flags", 3, 2)


def test_calls_are_counted_in_the_same_run_by_name_or_by_file_and_name(flag_server):
    share, counted = time_share_and_calls(
        "httpx",
        flag_server.url_for(delay=0.05),
        40,
        20,
        "_assign_requests_to_connections",
        ["connection_pool.py:handle_async_request", "has_expired", "nowhere.py:has_expired"],
    )
    assert 0 < share < 1
    assert counted["connection_pool.py:handle_async_request"] >= 40  # once per request at least
    assert counted["has_expired"] > 0 and counted["nowhere.py:has_expired"] == 0
