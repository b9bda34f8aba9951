"""What every benchmark script does around its measurement.

Its arguments start with the `--json PATH` that `run.py` passes; it runs in a scratch folder
with a private Redis; it starts its services one after another and stops them in reverse; and it
prints its table and writes its figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from trivium.redis_discovery import RedisEndpoint, find_redis, start_redis_server
from trivium_testing.keys import session_keys
from trivium_testing.services import RunningService, start_service
from trivium_testing.stack import CREDENTIALS_ENV

# A service's environment, from the services started before it (their URLs).
EnvFromStarted = Callable[[Mapping[str, RunningService]], dict[str, str]]
# (name, app factory, environment): one service of a stack, in start order.
ServicePlan = tuple[str, str, EnvFromStarted]


def argument_parser(description: str | None) -> argparse.ArgumentParser:
    """The script's argument parser, with the `--json PATH` every benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    return parser


def private_redis(folder: Path) -> RedisEndpoint:
    """A redis-server of the run's own in `folder` (or, without one installed, a usable Redis)."""
    try:
        return start_redis_server(folder / "redis")
    except FileNotFoundError:
        return find_redis(folder / "redis")


@contextmanager
def scratch_with_redis() -> Iterator[tuple[Path, RedisEndpoint]]:
    """A scratch folder for the run's databases and logs, and a private Redis (stopped after)."""
    with tempfile.TemporaryDirectory(prefix="trivium-bench-") as folder:
        run_dir = Path(folder)
        redis = private_redis(run_dir)
        try:
            yield run_dir, redis
        finally:
            redis.stop()


def bench_env(name: str) -> dict[str, str]:
    """A started service's signing key, the trusted keys, and the emulators' credentials (the
    benchmark's admin token wins)."""
    return {**CREDENTIALS_ENV, **session_keys().env(name)}


@contextmanager
def started_in_order(
    plan: Sequence[ServicePlan], *, log_dir: Path
) -> Iterator[dict[str, RunningService]]:
    """The services, started one after another; afterwards (or when one fails to start) every
    started one is stopped, the last first."""
    started: dict[str, RunningService] = {}
    try:
        for name, factory, env in plan:
            started[name] = start_service(
                factory, name=name, log_dir=log_dir, env={**bench_env(name), **env(started)}
            )
        yield started
    finally:
        for service in reversed(list(started.values())):
            service.stop()


def print_table(header: str, rows: Iterable[str], *notes: str) -> None:
    """A benchmark's table: the header, a rule under it, a line per row, then the notes."""
    lines = [header, "-" * len(header), *rows, *notes]
    sys.stdout.write("\n".join(lines) + "\n")


def publish(
    figures: dict[str, Any],
    json_path: Path | None,
    write_table: Callable[[dict[str, Any]], None],
) -> int:
    """Print the figures' table, write them to `json_path` when given; the script's exit code."""
    write_table(figures)
    if json_path:
        json_path.write_text(json.dumps(figures, indent=2) + "\n")
    return 0
