"""The reliability table printed at the end of a test run: per fault scenario, what was
submitted and how each item ended (completed exactly once, parked or dead-lettered with its
reason, duplicated, lost), and the generated-request fuzzing per service; then the scale-out
table (the same counts per scenario on the scaled-out stack, with the leader's takeover time
and the quota's overshoot across gateway instances).

Any suite records a row through the `scoreboard` fixture; duplicated and lost must stay zero.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from typing import Any

import pytest

# The dice of the fault scenarios: TRIVIUM_CHAOS_SEED replays a run's.
CHAOS_SEED = int(os.environ.get("TRIVIUM_CHAOS_SEED", str(random.SystemRandom().randrange(10**6))))


@dataclass
class Tally:
    """How the items a scenario submitted ended."""

    scenario: str
    submitted: int = 0
    completed: int = 0
    dead_lettered: int = 0
    duplicated: int = 0
    lost: int = 0


@dataclass
class ScenarioTally(Tally):
    parked: int = 0


@dataclass
class ScaleTally(Tally):
    """One scenario on the scaled-out stack; a figure it does not measure stays None."""

    takeover_seconds: float | None = None
    quota_overshoot: int | None = None


@dataclass
class Scoreboard:
    scenarios: list[ScenarioTally] = field(default_factory=list)
    fuzz: dict[str, tuple[int, int]] = field(default_factory=dict)
    scale: list[ScaleTally] = field(default_factory=list)

    def scenario(self, name: str) -> ScenarioTally:
        tally = ScenarioTally(name)
        self.scenarios.append(tally)
        return tally

    def scale_scenario(self, name: str) -> ScaleTally:
        tally = ScaleTally(name)
        self.scale.append(tally)
        return tally

    def record_fuzz(self, service: str, *, cases: int, failures: int) -> None:
        self.fuzz[service] = (cases, failures)


SCOREBOARD = pytest.StashKey[Scoreboard]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SCOREBOARD] = Scoreboard()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    board = config.stash.get(SCOREBOARD, None)
    if board is not None and board.scale:
        _scale_summary(terminalreporter, board.scale)
    if board is None or not (board.scenarios or board.fuzz):
        return
    write = terminalreporter.write_line
    terminalreporter.section("reliability summary")
    if board.scenarios:
        header = (
            "scenario", "submitted", "completed", "parked", "dead-lettered", "duplicated", "lost",
        )  # fmt: skip
        width = max(len(header[0]), *(len(t.scenario) for t in board.scenarios))
        write(f"{header[0]:<{width}}  " + "  ".join(f"{h:>13}" for h in header[1:]))
        for t in board.scenarios:
            numbers = (t.submitted, t.completed, t.parked, t.dead_lettered, t.duplicated, t.lost)
            write(f"{t.scenario:<{width}}  " + "  ".join(f"{n:>13}" for n in numbers))
    if board.fuzz:
        write("")
        width = max(len("service"), *(len(name) for name in board.fuzz))
        write(f"{'service':<{width}}  {'schemathesis cases':>18}  {'failures':>8}")
        for name, (cases, failures) in board.fuzz.items():
            write(f"{name:<{width}}  {cases:>18}  {failures:>8}")
    write(f"chaos seed {CHAOS_SEED} (TRIVIUM_CHAOS_SEED replays it)")


def _scale_summary(terminalreporter: Any, rows: list[ScaleTally]) -> None:
    write = terminalreporter.write_line
    terminalreporter.section("scale-out summary")
    header = (
        "scenario", "submitted", "completed", "dead-lettered", "duplicated", "lost",
        "takeover s", "quota overshoot",
    )  # fmt: skip
    width = max(len(header[0]), *(len(row.scenario) for row in rows))
    write(f"{header[0]:<{width}}  " + "  ".join(f"{h:>13}" for h in header[1:]))
    for row in rows:
        takeover = "-" if row.takeover_seconds is None else f"{row.takeover_seconds:.2f}"
        overshoot = "-" if row.quota_overshoot is None else str(row.quota_overshoot)
        cells = (
            row.submitted, row.completed, row.dead_lettered, row.duplicated, row.lost,
            takeover, overshoot,
        )  # fmt: skip
        write(f"{row.scenario:<{width}}  " + "  ".join(f"{cell:>13}" for cell in cells))
    write(f"chaos seed {CHAOS_SEED} (TRIVIUM_CHAOS_SEED replays the kills)")


@pytest.fixture
def scoreboard(request: pytest.FixtureRequest) -> Scoreboard:
    return request.config.stash[SCOREBOARD]
