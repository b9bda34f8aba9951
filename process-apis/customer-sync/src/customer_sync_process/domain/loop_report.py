"""The loops as `/status` and `/readyz` report them: state, lag, parked records, last error."""

from __future__ import annotations

from collections.abc import Mapping

from customer_sync_process.domain.flow import SyncFlow
from customer_sync_process.domain.loop_state import LOOPS, STALLED, loop_key, read_loop
from customer_sync_process.domain.models import LoopRead
from customer_sync_process.domain.parking import parked_counts


async def loop_reports(flow: SyncFlow, *, leading: bool) -> dict[str, LoopRead]:
    """Each loop as last saved by the leader (`idle` when no replica leads)."""
    counts = await parked_counts(flow)
    now = flow.clock()
    reports = {}
    for name in LOOPS:
        stored = await flow.state.get_hash(*loop_key(name))
        reports[name] = read_loop(
            stored, now=now, stall_after=flow.policy.stall_after, leading=leading,
            parked=counts.get(name, 0),
        )  # fmt: skip
    return reports


def degradation(loops: Mapping[str, LoopRead], *, flow: SyncFlow) -> str | None:
    """Why the syncs work below par (a loop stalled, or lagging past the threshold); None when
    they do not."""
    reasons = []
    for name, loop in loops.items():
        if loop.state == STALLED:
            error = f": {loop.last_error.message}" if loop.last_error else ""
            reasons.append(f"{name} stalled since {loop.since:%H:%M:%S}{error}")
        age = loop.lag.oldest_unapplied_age_seconds
        if age is not None and age > flow.policy.degraded_lag.total_seconds():
            reasons.append(f"{name} lags {age:.0f} s behind")
    return "; ".join(reasons) or None
