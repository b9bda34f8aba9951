"""Run a pytest selection several times in a row and report which runs failed, and on what.

A test that fails one run in twenty is a bug like any other; this is how it is found and how its
fix is shown. Each run's output goes to its own log file; the terminal gets one line per run and
a report at the end. Exits 1 when any run failed.

    python tools/repeat_tests.py --runs 20 -- process-apis/customer-sync/tests/integration -q
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `-ra` (the project's addopts) lists these in pytest's short test summary.
_PROBLEM = re.compile(r"^(FAILED|ERROR) (\S+)")
_TALLY = re.compile(r"\d+ (passed|failed|errors?|skipped|deselected|xfailed|xpassed)\b")
_DURATION = re.compile(r" in [\d.]+s.*$")


@dataclass(frozen=True)
class Run:
    number: int
    exit_code: int
    seconds: float
    tally: str
    problems: list[str]
    log: Path

    @property
    def passed(self) -> bool:
        return self.exit_code == 0


def summarise(output: str) -> tuple[str, list[str]]:
    """pytest's closing tally (`12 passed, 1 failed`) and the failing or erroring test ids."""
    problems = []
    for line in output.splitlines():
        match = _PROBLEM.match(line)
        if match:
            kind, test_id = match.groups()
            problems.append(test_id if kind == "FAILED" else f"{test_id} (error)")
    tally = next(
        (line.strip("= ") for line in reversed(output.splitlines()) if _TALLY.search(line)), ""
    )
    return _DURATION.sub("", tally), problems


def run_once(number: int, pytest_args: list[str], log_dir: Path) -> Run:
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", *pytest_args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    output = finished.stdout.decode(errors="replace")
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"run-{number:03d}.log"
    log.write_text(output)
    tally, problems = summarise(output)
    return Run(number, finished.returncode, seconds, tally, problems, log)


def report(runs: list[Run]) -> str:
    failed = [run for run in runs if not run.passed]
    lines = [
        "",
        f"{len(runs) - len(failed)}/{len(runs)} runs passed, {len(failed)} failed",
    ]
    for run in failed:
        lines.append(f"  run {run.number}: exit {run.exit_code}, log {run.log}")
        lines.extend(f"    {test_id}" for test_id in run.problems)
    counts: dict[str, int] = {}
    for run in failed:
        for test_id in run.problems:
            counts[test_id] = counts.get(test_id, 0) + 1
    if counts:
        lines.append("failing tests, by runs failed:")
        for test_id, times in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"  {times}/{len(runs)}  {test_id}")
    return "\n".join(lines)


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="how many runs (default 10)")
    parser.add_argument(
        "--log-dir", type=Path, default=None, help="default: a new temporary folder"
    )
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="after --: for pytest")
    options = parser.parse_args(argv)
    pytest_args = (
        options.pytest_args[1:] if options.pytest_args[:1] == ["--"] else options.pytest_args
    )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    log_dir = options.log_dir or Path(tempfile.mkdtemp(prefix=f"trivium-test-repeat-{stamp}-"))

    say(f"pytest {' '.join(pytest_args)}: {options.runs} runs, logs in {log_dir}")
    runs = []
    for number in range(1, options.runs + 1):
        run = run_once(number, pytest_args, log_dir)
        runs.append(run)
        outcome = "passed" if run.passed else f"FAILED (exit {run.exit_code})"
        detail = f"  {', '.join(run.problems)}" if run.problems else ""
        timing = f"{run.seconds:6.1f} s"
        say(f"run {number:>3}/{options.runs}  {outcome:<16} {timing}  {run.tally}{detail}")
    say(report(runs))
    return 0 if all(run.passed for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
