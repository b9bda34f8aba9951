"""How the loops' state reads in `/status`: running, retrying, stalled after the threshold,
idle without a leader; and when the service reports itself degraded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from customer_sync_process.adapters.fake import RecordingSyncMetrics
from customer_sync_process.domain.loop_report import degradation, loop_reports
from customer_sync_process.domain.loop_state import LoopTracker, read_loop
from trivium.write_batch import WriteBatch

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
STALL = timedelta(seconds=60)
Setup = Any  # conftest.Setup


def saved(tracker: LoopTracker) -> dict[str, str]:
    return tracker.fields()


class TestReadLoop:
    def test_a_loop_retrying_longer_than_the_threshold_reads_as_stalled(self) -> None:
        tracker = LoopTracker("cdc", metrics=RecordingSyncMetrics())
        tracker.failed(START, "ERP customer read: no answer")

        soon = read_loop(saved(tracker), now=START + STALL, stall_after=STALL, leading=True,
                         parked=0)  # fmt: skip
        late = read_loop(saved(tracker), now=START + STALL + timedelta(seconds=1),
                         stall_after=STALL, leading=True, parked=0)  # fmt: skip

        assert (soon.state, late.state) == ("retrying", "stalled")
        assert late.since == START
        assert late.last_error is not None
        assert late.last_error.message == "ERP customer read: no answer"

    def test_success_after_failures_is_running_again_and_keeps_the_last_error(self) -> None:
        tracker = LoopTracker("erpPoll", metrics=RecordingSyncMetrics())
        tracker.failed(START, "no answer")
        assert tracker.succeeded(START + timedelta(seconds=5))
        assert not tracker.succeeded(START + timedelta(seconds=6))

        loop = read_loop(saved(tracker), now=START + timedelta(hours=1), stall_after=STALL,
                         leading=True, parked=2)  # fmt: skip

        assert (loop.state, loop.parked) == ("running", 2)
        assert loop.since == START + timedelta(seconds=5)
        assert loop.last_error is not None

    def test_lag_counts_changes_read_and_not_applied_and_ages_the_oldest(self) -> None:
        tracker = LoopTracker("cdc", metrics=RecordingSyncMetrics())
        tracker.behind(START, 7, START - timedelta(seconds=3))

        loop = read_loop(saved(tracker), now=START + timedelta(seconds=2), stall_after=STALL,
                         leading=True, parked=0)  # fmt: skip

        assert loop.lag.events == 7
        assert loop.lag.oldest_unapplied_age_seconds == pytest.approx(5.0)

    def test_without_a_leader_every_loop_is_idle(self) -> None:
        tracker = LoopTracker("cdc", metrics=RecordingSyncMetrics())
        tracker.failed(START, "no answer")

        assert read_loop(saved(tracker), now=START, stall_after=STALL, leading=False,
                         parked=0).state == "idle"  # fmt: skip


class TestDegradation:
    @pytest.mark.asyncio
    async def test_stalled_or_lagging_loops_make_the_service_degraded(self, setup: Setup) -> None:
        flow = setup.flow
        flow.clock = lambda: START
        assert degradation(await loop_reports(flow, leading=True), flow=flow) is None

        tracker = flow.loops["cdc"]
        tracker.failed(START, "CRM change events: no answer")
        tracker.behind(START, 3, START - flow.policy.degraded_lag - timedelta(seconds=1))
        await flow.state.write(setup.fence, tracker.save(WriteBatch(), flow.state))
        flow.clock = lambda: START + flow.policy.stall_after + timedelta(seconds=1)

        reason = degradation(await loop_reports(flow, leading=True), flow=flow)

        assert reason is not None
        assert "cdc stalled since 09:00:00: CRM change events: no answer" in reason
        assert "cdc lags" in reason
