"""What each of the leader's loops is doing, kept where every replica's `/status` can read it.

The leader tracks its loops in memory (state, since when, last error, lag) and saves that with
its writes, under its fence, in one hash per loop. A loop is `running`, or `retrying` while a
failure is being tried again; readers call it `stalled` once it has been retrying for longer than
the stall threshold, so a leader that hangs or dies mid-retry still shows as stalled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from customer_sync_process.adapters.ports import StatePort, SyncMetrics
from customer_sync_process.domain.models import LagRead, LoopErrorRead, LoopRead
from trivium.write_batch import WriteBatch

LOOPS = ("cdc", "erpPoll", "products")
RUNNING = "running"
RETRYING = "retrying"
STALLED = "stalled"
IDLE = "idle"


def loop_key(name: str) -> tuple[str, str]:
    return ("loop", name)


@dataclass
class LoopTracker:
    """One loop's state on the leader."""

    name: str
    state: str = RUNNING
    since: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    lag_events: int = 0
    oldest_unapplied_at: datetime | None = None
    metrics: SyncMetrics = field(kw_only=True, repr=False, compare=False)

    def started(self, now: datetime) -> None:
        self.state, self.since = RUNNING, now
        self.lag_events, self.oldest_unapplied_at = 0, None
        self._publish(now)

    def succeeded(self, now: datetime) -> bool:
        """Back to running after a failure; True when the state changed."""
        if self.state == RUNNING:
            return False
        self.state, self.since = RUNNING, now
        self._publish(now)
        return True

    def failed(self, now: datetime, message: str) -> None:
        if self.state != RETRYING:
            self.state, self.since = RETRYING, now
        self.last_error, self.last_error_at = message[:1_000], now
        self._publish(now)

    def behind(self, now: datetime, events: int, oldest: datetime | None) -> None:
        """`events` changes read and not applied yet, the oldest committed at `oldest`."""
        self.lag_events = events
        self.oldest_unapplied_at = oldest if events else None
        self._publish(now)

    def save(self, writes: WriteBatch, state: StatePort) -> WriteBatch:
        return writes.hset(state.key(*loop_key(self.name)), self.fields())

    def fields(self) -> dict[str, str]:
        return {
            "state": self.state,
            "since": _iso(self.since),
            "lastError": self.last_error or "",
            "lastErrorAt": _iso(self.last_error_at),
            "lagEvents": str(self.lag_events),
            "oldestUnappliedAt": _iso(self.oldest_unapplied_at),
        }

    def _publish(self, now: datetime) -> None:
        for state in (RUNNING, RETRYING):
            self.metrics.loop_state(self.name, state, current=self.state == state)
        lag = lag_seconds(self.oldest_unapplied_at, now) or 0
        self.metrics.loop_lag(self.name, events=self.lag_events, seconds=lag)


@dataclass
class LoopBoard:
    """The trackers of the leader's loops, by name."""

    metrics: SyncMetrics
    trackers: dict[str, LoopTracker] = field(init=False)

    def __post_init__(self) -> None:
        self.trackers = {name: LoopTracker(name, metrics=self.metrics) for name in LOOPS}

    def __getitem__(self, name: str) -> LoopTracker:
        return self.trackers[name]


def lag_seconds(oldest: datetime | None, now: datetime) -> float | None:
    return None if oldest is None else max(0.0, (now - oldest).total_seconds())


def read_loop(
    stored: Mapping[str, str], *, now: datetime, stall_after: timedelta, leading: bool,
    parked: int,
) -> LoopRead:  # fmt: skip
    """A loop as `/status` shows it, from its saved fields."""
    since = _moment(stored.get("since"))
    state = stored.get("state") or IDLE
    if not leading:
        state = IDLE
    elif state == RETRYING and since is not None and now - since > stall_after:
        state = STALLED
    oldest = _moment(stored.get("oldestUnappliedAt"))
    error_at = _moment(stored.get("lastErrorAt"))
    message = stored.get("lastError")
    return LoopRead(
        state=state,
        since=since,
        lag=LagRead(
            events=int(stored.get("lagEvents") or 0),
            oldest_unapplied_age_seconds=lag_seconds(oldest, now),
        ),
        parked=parked,
        last_error=LoopErrorRead(message=message, at=error_at) if message and error_at else None,
    )


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
