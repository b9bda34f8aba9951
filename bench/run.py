"""`make bench`: run every benchmark in this folder, print its figures, and keep them as JSON.

Each benchmark is a script `bench/<name>.py` that prints a readable table and accepts
`--json PATH` (modules whose name starts with `_` are helpers, not benchmarks); the figures of one
run land together in `bench/results/<date>.json`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"


def benchmark_scripts() -> list[Path]:
    """Every benchmark script of this folder, by name."""
    return sorted(
        path
        for path in BENCH_DIR.glob("*.py")
        if path.name != Path(__file__).name and not path.name.startswith("_")
    )


def run_benchmark(script: Path, json_path: Path) -> dict[str, object]:
    """Run one benchmark, streaming its table, and return its figures (or its failure)."""
    sys.stdout.write(f"\n=== {script.stem} ===\n")
    sys.stdout.flush()
    completed = subprocess.run([sys.executable, str(script), "--json", str(json_path)], check=False)
    if completed.returncode != 0 or not json_path.exists():
        return {"failed": f"exit code {completed.returncode}"}
    figures: dict[str, object] = json.loads(json_path.read_text())
    return figures


def main() -> int:
    started = datetime.now(UTC)
    results: dict[str, object] = {"started": started.isoformat(), "benchmarks": {}}
    benchmarks: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for script in benchmark_scripts():
            benchmarks[script.stem] = run_benchmark(script, Path(scratch) / f"{script.stem}.json")
    results["benchmarks"] = benchmarks
    RESULTS_DIR.mkdir(exist_ok=True)
    target = RESULTS_DIR / f"{started:%Y-%m-%d}.json"
    target.write_text(json.dumps(results, indent=2) + "\n")
    sys.stdout.write(f"\nFigures written to {target.relative_to(BENCH_DIR.parent)}\n")
    failed = [name for name, figures in benchmarks.items() if "failed" in dict(figures)]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
