"""course.bench.report: the CSV, the Markdown tables and the plots of a benchmark run."""

import csv

from course.bench.measure import COLUMNS, Point
from course.bench.report import key_table, markdown_table, save_plots, write_csv, write_markdown


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


def test_key_table_has_a_row_per_variant_at_n_1000():
    table = key_table(sample_points()).splitlines()
    assert table[0].startswith("| variant |")
    assert [line.split(" | ")[0] for line in table[2:]] == ["| httpx", "| aiohttp"]


def test_plots_are_written_as_png_files(tmp_path):
    points = sample_points() + [
        Point("httpx", "flagserver", 100, 100, 0.1, wall_s=0.5, peak_rss_mib=40.0, cpu_s=0.2)
    ]
    written = save_plots(points, tmp_path)
    assert "time_vs_n.png" in written and "throughput.png" in written
    assert all((tmp_path / name).read_bytes().startswith(b"\x89PNG") for name in written)
