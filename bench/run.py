"""`make bench`: run every benchmark in this folder, print its figures, and keep them as JSON.

Each benchmark is a script `bench/<name>.py` that starts what it measures on loopback, prints a
readable table and accepts `--json PATH` (modules whose name starts with `_` are helpers, not
benchmarks). The figures of one run land together in `bench/results/<date>.json`, and
`report.py` turns them into `bench/results/<date>.md` with charts (and `latest.md`). A benchmark
that keeps files beside its figures (flame graphs) finds its folder in `BENCH_ARTIFACTS`
(`bench/results/<date>-artifacts/<name>`).
`python bench/run.py name ...` runs only the named benchmarks. Benchmarks of the ERP run once per
ERP: their NetSuite run is kept as `<name>[netsuite]`.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from report import write_report

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
NOT_BENCHMARKS = {"run.py", "report.py"}
# Further runs of a benchmark with other arguments, by name: (variant, arguments).
VARIANTS: dict[str, tuple[tuple[str, list[str]], ...]] = {
    "end_to_end": (("netsuite", ["--erp", "netsuite"]),),
    "erp_availability": (("netsuite", ["--erp", "netsuite"]),),
}


def benchmark_scripts() -> list[Path]:
    """Every benchmark script of this folder, by name."""
    return sorted(
        path
        for path in BENCH_DIR.glob("*.py")
        if path.name not in NOT_BENCHMARKS and not path.name.startswith("_")
    )


def run_benchmark(
    script: Path, json_path: Path, artifacts: Path, *, name: str, arguments: list[str]
) -> dict[str, object]:
    """Run one benchmark, streaming its table, and return its figures (or its failure)."""
    sys.stdout.write(f"\n=== {name} ===\n")
    sys.stdout.flush()
    completed = subprocess.run(
        [sys.executable, str(script), "--json", str(json_path), *arguments],
        check=False,
        env={**os.environ, "BENCH_ARTIFACTS": str(artifacts / name)},
    )
    if completed.returncode != 0 or not json_path.exists():
        return {"failed": f"exit code {completed.returncode}"}
    figures: dict[str, object] = json.loads(json_path.read_text())
    return figures


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def load_average() -> float:
    """The machine's 1-minute load average: above the core count, other work shared the cores
    and latencies say little (CPU time per request and call counts still hold)."""
    return round(os.getloadavg()[0], 1)


def main() -> int:
    started = datetime.now(UTC)
    results: dict[str, object] = {
        "started": started.isoformat(),
        "machine": machine(),
        "load_average_at_start": load_average(),
    }
    benchmarks: dict[str, dict[str, object]] = {}
    chosen = set(sys.argv[1:])
    with tempfile.TemporaryDirectory() as scratch:
        for script in benchmark_scripts():
            if chosen and script.stem not in chosen:
                continue
            runs = [(script.stem, []), *((f"{script.stem}[{variant}]", arguments)
                    for variant, arguments in VARIANTS.get(script.stem, ()))]  # fmt: skip
            for number, (name, arguments) in enumerate(runs):
                benchmarks[name] = run_benchmark(
                    script,
                    Path(scratch) / f"{script.stem}-{number}.json",
                    RESULTS_DIR / f"{started:%Y-%m-%d}-artifacts",
                    name=name,
                    arguments=arguments,
                )
    results["benchmarks"] = benchmarks
    results["load_average_at_end"] = load_average()
    RESULTS_DIR.mkdir(exist_ok=True)
    target = RESULTS_DIR / f"{started:%Y-%m-%d}.json"
    target.write_text(json.dumps(results, indent=2) + "\n")
    report = write_report(target)
    sys.stdout.write(f"\nFigures written to {target.relative_to(BENCH_DIR.parent)}\n")
    sys.stdout.write(f"Report written to {report.relative_to(BENCH_DIR.parent)}\n")
    failed = [name for name, figures in benchmarks.items() if "failed" in dict(figures)]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
