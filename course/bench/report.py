"""The benchmark's results as files: a CSV, Markdown tables and PNG plots (under build/bench/)."""

import csv
from collections.abc import Sequence
from pathlib import Path

from course.bench.measure import COLUMNS, Point, find
from course.plots import bars_figure, scaling_figure

SERVER_CHECK = (1000, 100)  # N, C of the no-latency load sent to both servers
LIMIT_LABEL = "предел ceil(N/C)·D"


def write_csv(points: Sequence[Point], path: Path) -> None:
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(point.row() for point in points)


def markdown_table(points: Sequence[Point]) -> str:
    rows = [point.row() for point in points]
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(row[name]) for name in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def write_markdown(points: Sequence[Point], path: Path, notes: Sequence[str] = ()) -> None:
    text = "# Benchmark: how far each concurrency model scales\n\n"
    text += "".join(f"> {note}\n\n" for note in notes if note)
    path.write_text(text + markdown_table(points) + "\n")


def key_table(points: Sequence[Point], n: int = 1000) -> str:
    """The numbers worth remembering, one row per variant, as Markdown."""

    def cell(**where: object) -> str:
        found = [p for p in find(points, n=n, **where) if p.wall_s]
        if not found:
            return "-"
        p = found[0]
        return f"{p.wall_s:.2f} s (x{p.ratio:.1f})" if p.ratio else f"{p.req_per_s:.0f}"

    def memory(**where: object) -> str:
        found = [p for p in find(points, n=n, delay_s=0.1, **where) if p.peak_rss_mib]
        vm = found[0].peak_vm_mib if found else None
        return f"{found[0].peak_rss_mib:.0f} / {vm:.0f}" if found and vm else "-"

    head = [
        "variant",
        *(f"C={c}, D=0.1: wall (x limit)" for c in (10, 100, 1000)),
        "D=0, C=100: req/s flagserver",
        "req/s nginx",
        "C=1000: peak RSS / VM, MiB",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for variant in dict.fromkeys(p.variant for p in points if p.n == n):
        cells = [
            cell(variant=variant, concurrency=c, delay_s=0.1, server="flagserver")
            for c in (10, 100, 1000)
        ]
        cells.append(cell(variant=variant, concurrency=100, delay_s=0.0, server="flagserver"))
        cells.append(cell(variant=variant, concurrency=100, delay_s=0.0, server="nginx"))
        cells.append(memory(variant=variant, concurrency=1000, server="flagserver"))
        lines.append("| " + " | ".join([variant, *cells]) + " |")
    return "\n".join(lines)


def save_plots(points: list[Point], out_dir: Path) -> list[str]:
    n, concurrency = SERVER_CHECK
    figures = {
        "time_vs_n.png": scaling_figure(
            find(points, concurrency=100, delay_s=0.1),
            "n",
            "Время против N (C=100, D=0.1 с)",
            "N, запросов",
            "время, с (лог. шкала)",
            LIMIT_LABEL,
        ),
        "time_vs_concurrency.png": scaling_figure(
            find(points, n=1000, delay_s=0.1),
            "concurrency",
            "Время против C (N=1000, D=0.1 с)",
            "C, одновременных запросов",
            "время, с (лог. шкала)",
            LIMIT_LABEL,
        ),
    }
    fast = [p for p in find(points, n=n, concurrency=concurrency, delay_s=0.0) if p.wall_s]
    if fast:
        labels = [f"{p.variant}\n{p.server}" for p in fast]
        title = f"Без задержки: запросов в секунду (N={n}, C={concurrency})"
        figures["throughput.png"] = bars_figure(
            labels, [p.req_per_s for p in fast], title, "запросов/с"
        )
    heavy = [p for p in find(points, n=1000, concurrency=1000, delay_s=0.1) if p.peak_rss_mib]
    if heavy:
        title = "1000 запросов сразу: адресное пространство (VmPeak) и RSS"
        labels = [f"{p.variant}\nRSS {p.peak_rss_mib:.0f} МиБ" for p in heavy]
        values = [p.peak_vm_mib or 0 for p in heavy]
        figures["memory.png"] = bars_figure(labels, values, title, "МиБ")
    figures = {name: figure for name, figure in figures.items() if figure is not None}
    for name, figure in figures.items():
        figure.savefig(out_dir / name, dpi=110)
    return list(figures)
