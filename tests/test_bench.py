"""flagserver.bench: the limit, one tiny point per variant, the table writers, the nginx check."""

import csv

import pytest

from flagserver.bench import (
    COLUMNS,
    VARIANTS,
    NginxUnavailable,
    Point,
    compare_servers,
    delay_of,
    flag_urls,
    limit_seconds,
    markdown_table,
    matrix,
    measure,
    nginx_server,
    write_csv,
    write_markdown,
)


def test_limit_is_full_waves_of_concurrent_requests_times_the_delay():
    assert limit_seconds(1000, 100, 0.1) == pytest.approx(1.0)
    assert limit_seconds(1001, 100, 0.1) == pytest.approx(1.1)  # a partial wave costs a full D
    assert limit_seconds(20, 1000, 0.1) == pytest.approx(0.1)  # more slots than requests
    assert limit_seconds(20, 1, 0.5) == pytest.approx(10.0)  # sequential
    assert limit_seconds(1000, 10, 0) == 0


def test_urls_reuse_the_servers_codes_cyclically_beyond_256():
    urls = flag_urls("http://h/flags", 1000)
    assert len(urls) == 1000
    assert len(set(urls)) == 256
    assert urls[0] == urls[256] == "http://h/flags/ad/ad.gif"


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


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_downloads_a_tiny_matrix_point_no_faster_than_the_limit(flag_server, variant):
    point = measure(variant, flag_server.url_for(delay=0.05), n=20, concurrency=10)
    assert point.error == ""
    assert point.limit_s == pytest.approx(1.0 if variant == "sequential" else 0.1)  # C=1 or 10
    assert point.ratio >= 1  # physics: nothing beats ceil(N/C) * D
    assert point.ratio < 20  # generous: a shared, noisy machine
    assert 5 < point.peak_rss_mib < 1000
    assert point.cpu_ms_per_req > 0


def test_a_failing_child_is_reported_not_raised(flag_server):
    point = measure("threads", flag_server.url + "/no-such-scenario", n=3, concurrency=2)
    assert point.wall_s is None
    assert "404" in point.error


def sample_points() -> list[Point]:
    slow = Point("httpx", "flagserver", 1000, 100, 0.1, wall_s=15.7, peak_rss_mib=49.0, cpu_s=11.7)
    fast = Point("aiohttp", "nginx", 1000, 100, 0.0, wall_s=0.5, peak_rss_mib=43.0, cpu_s=0.5)
    failed = Point("threads", "flagserver", 20, 10, 0.0, error="boom")
    return [slow, fast, failed]


def test_csv_has_every_column_and_ratio_or_requests_per_second(tmp_path):
    path = tmp_path / "results.csv"
    write_csv(sample_points(), path)
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == COLUMNS
    assert rows[0]["ratio"] == "15.7" and rows[0]["limit_s"] == "1.0"
    assert rows[1]["ratio"] == "" and rows[1]["req_per_s"] == "2000.0"
    assert rows[2]["error"] == "boom" and rows[2]["wall_s"] == ""


def test_markdown_table_has_a_header_and_a_row_per_point(tmp_path):
    path = tmp_path / "results.md"
    write_markdown(sample_points(), path, ["nginx is not installed"])
    text = path.read_text()
    header = "| " + " | ".join(COLUMNS) + " |"
    assert header in text
    assert "> nginx is not installed" in text
    table = markdown_table(sample_points()).splitlines()
    assert len(table) == 2 + 3
    assert all(line.count("|") == len(COLUMNS) + 1 for line in table)


def test_nginx_comparison_is_skipped_with_a_clear_note_when_nginx_is_missing():
    points, note = compare_servers(["aiohttp"], 20, 10, nginx_binary="/no/such/nginx")
    assert points == []
    assert "nginx is not installed" in note and "apt-get install nginx" in note
    with pytest.raises(NginxUnavailable, match="not installed"):
        with nginx_server("/no/such/nginx"):
            pass
