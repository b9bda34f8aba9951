"""Turn one `make bench` run's figures into a Markdown report with PNG charts.

`python bench/report.py bench/results/<date>.json` writes `<date>.md` beside it, its charts under
`<date>/`, and a copy of the report as `latest.md` (the README links that one).

What a benchmark may put in its JSON for the report, besides its raw figures:
- `"headline"`: `[{"figure": str, "value": number | str, "unit"?: str, "target"?: str}]`, the rows
  of the summary table at the top;
  with `"met": bool` when the figure is a target (the table then says pass or missed);
- `"charts"`: `[{"title": str, "unit": str, "bars": {label: number}}]` or with
  `"groups": {group: {label: number}}` for grouped bars (e.g. concurrency levels side by side),
  or `"curves": {label: {"p50": number, ...}}` for latency by percentile (one line per label),
  and `"log": true` for a logarithmic axis;
- `"flame_graphs"`: `{"folder": path, "services": [name, ...]}`, SVGs `<folder>/<name>.svg`,
  linked beside the same service's graph in `results/flame-graphs-before/` when there is one.
Everything else is shown as a flat table of its figures.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

REPORT_KEYS = {"headline", "charts", "flame_graphs"}
# Flame graphs of the code before issue 21's work on the order path, for comparison.
BEFORE_FLAME_GRAPHS = "flame-graphs-before"
MAX_ROWS_PER_BENCHMARK = 80


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


def flatten(figures: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, leaf value) pairs of nested figures, lists of scalars kept whole."""
    if isinstance(figures, Mapping):
        for key, value in figures.items():
            if not prefix and key in REPORT_KEYS:
                continue
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(figures, list) and any(isinstance(item, Mapping | list) for item in figures):
        for index, item in enumerate(figures):
            yield from flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, figures


def format_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1:
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def draw_curves(chart: Mapping[str, Any], target: Path) -> None:
    """Latency by percentile, one line per run, on a tail-stretching axis (as HdrHistogram
    plots do): the x position of a percentile p is -log10(1 - p/100)."""
    figure, axes = plt.subplots(figsize=(8, 4.5))
    ticks: dict[float, str] = {}
    for label, points in chart["curves"].items():
        xs, ys = [], []
        for name, value in points.items():
            fraction = float(name.lstrip("p")) / 100
            position = -math.log10(max(1 - fraction, 1e-6))
            ticks[position] = name
            xs.append(position)
            ys.append(float(value))
        axes.plot(xs, ys, marker="o", markersize=3, label=label)
    # Low percentiles crowd together near 0: label only those far enough from the last one.
    labelled: list[float] = []
    for position in sorted(ticks):
        if not labelled or position - labelled[-1] >= 0.25:
            labelled.append(position)
    axes.set_xticks(labelled, [ticks[x] for x in labelled], fontsize=8)
    if chart.get("log"):
        axes.set_yscale("log")
    axes.set_xlabel("percentile")
    axes.set_ylabel(chart.get("unit", ""))
    axes.set_title(chart["title"])
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(target, dpi=110)
    plt.close(figure)


def draw_chart(chart: Mapping[str, Any], target: Path) -> None:
    """A horizontal bar chart (or grouped bars) of one benchmark comparison."""
    if "curves" in chart:
        draw_curves(chart, target)
        return
    groups: dict[str, dict[str, float]] = chart.get("groups") or {"": chart.get("bars", {})}
    labels = list(dict.fromkeys(label for bars in groups.values() for label in bars))
    figure, axes = plt.subplots(figsize=(8, 0.5 + 0.45 * len(labels) * max(1, len(groups))))
    height = 0.8 / max(1, len(groups))
    for offset, (group, bars) in enumerate(groups.items()):
        positions = [index + offset * height for index in range(len(labels))]
        values = [float(bars.get(label, 0.0)) for label in labels]
        drawn = axes.barh(positions, values, height=height, label=group or None)
        axes.bar_label(drawn, labels=[format_value(value) for value in values], padding=3)
    axes.set_yticks([index + (len(groups) - 1) * height / 2 for index in range(len(labels))])
    axes.set_yticklabels(labels)
    axes.invert_yaxis()
    if chart.get("log"):
        axes.set_xscale("log")
    axes.set_xlabel(chart.get("unit", ""))
    axes.set_title(chart["title"])
    axes.margins(x=0.18)
    if len(groups) > 1:
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
    figure.tight_layout()
    figure.savefig(target, dpi=110)
    plt.close(figure)


def headline_rows(benchmarks: Mapping[str, Any]) -> list[str]:
    rows = ["| benchmark | figure | value | target | result |", "|---|---|---|---|---|"]
    for name, figures in benchmarks.items():
        if not isinstance(figures, Mapping):
            continue
        if "failed" in figures:
            rows.append(f"| {name} | **failed** | {figures['failed']} | | |")
        for item in figures.get("headline", []):
            value = f"{format_value(item['value'])} {item.get('unit', '')}".strip()
            result = {True: "pass", False: "**missed**"}.get(item.get("met"), "")
            rows.append(
                f"| {name} | {item['figure']} | {value} | {item.get('target', '')} | {result} |"
            )
    return rows


def flame_graph_rows(flames: Mapping[str, Any], results_dir: Path) -> list[str]:
    """Links to each service's flame graph of this run, and of the code before, if kept."""
    folder = Path(flames["folder"])
    before = results_dir / BEFORE_FLAME_GRAPHS
    rows = ["| service | this run | before |", "|---|---|---|"]
    for service in flames["services"]:
        now = os.path.relpath(folder / f"{service}.svg", results_dir)
        old = before / f"{service}.svg"
        link = f"[{service}.svg]({BEFORE_FLAME_GRAPHS}/{old.name})" if old.exists() else ""
        rows.append(f"| {service} | [{service}.svg]({now}) | {link} |")
    return rows


def load_note(results: Mapping[str, Any]) -> str:
    """The machine's load average during the run, when it was recorded."""
    start, end = results.get("load_average_at_start"), results.get("load_average_at_end")
    if start is None or end is None:
        return ""
    return f", load average {start} at the start and {end} at the end"


def write_report(results_path: Path) -> Path:
    """Write the Markdown report (and charts) for one results file; return the report's path."""
    results = json.loads(results_path.read_text())
    stem = results_path.stem
    chart_dir = results_path.parent / stem
    shutil.rmtree(chart_dir, ignore_errors=True)
    chart_dir.mkdir(parents=True)
    benchmarks: dict[str, Any] = results.get("benchmarks", {})
    lines = [
        f"# Trivium benchmarks, {stem}",
        "",
        f"Run started {results.get('started', '?')} on {results.get('machine', 'this machine')}"
        f"{load_note(results)}. "
        "Every figure below comes from this run; medians and p99 over repeated rounds, ratios "
        "measured side by side in the same run.",
        "",
        "## Summary",
        "",
        *headline_rows(benchmarks),
    ]
    for name, figures in benchmarks.items():
        lines += ["", f"## {name}", ""]
        if not isinstance(figures, Mapping):
            continue
        for chart in figures.get("charts", []):
            image = chart_dir / f"{slug(name)}-{slug(chart['title'])}.png"
            draw_chart(chart, image)
            lines += [f"![{chart['title']}]({stem}/{image.name})", ""]
        if "flame_graphs" in figures:
            lines += ["Flame graphs (py-spy) of the services under the order load:", ""]
            lines += [*flame_graph_rows(figures["flame_graphs"], results_path.parent), ""]
        rows = list(flatten(figures))
        lines += ["| figure | value |", "|---|---|"]
        lines += [
            f"| {path} | {format_value(value)} |" for path, value in rows[:MAX_ROWS_PER_BENCHMARK]
        ]
        if len(rows) > MAX_ROWS_PER_BENCHMARK:
            lines.append(
                f"| … | {len(rows) - MAX_ROWS_PER_BENCHMARK} more in {results_path.name} |"
            )
    report = results_path.with_suffix(".md")
    report.write_text("\n".join(lines) + "\n")
    latest = results_path.parent / "latest.md"
    latest.write_text(report.read_text())
    return report


def main() -> int:
    if len(sys.argv) != 2:
        sys.stderr.write("usage: report.py bench/results/<date>.json\n")
        return 2
    report = write_report(Path(sys.argv[1]))
    sys.stdout.write(f"Report written to {report}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
