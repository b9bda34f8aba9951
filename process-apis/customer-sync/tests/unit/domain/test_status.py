"""What `/status` and `/audit` answer: the leader, whether this replica leads, the ownership, the
latest applied changes."""

from __future__ import annotations

from typing import Any

import pytest

from customer_sync_process.domain.ownership import System
from customer_sync_process.domain.status import SyncStatus
from trivium.write_batch import WriteBatch

pytestmark = pytest.mark.asyncio

Setup = Any  # conftest.Setup


def status_of(setup: Setup, *, leading: bool) -> SyncStatus:
    return SyncStatus(flow=setup.flow, lease=setup.lease, leading=lambda: leading)


async def apply_change(setup: Setup, phone: str) -> None:
    writes = WriteBatch()
    setup.flow.audit(
        writes, source=System.CRM, target=System.ERP, entity="customer", entity_id="1000077",
        before={"phone": "+49 1"}, after={"phone": phone}, reason="crm_owns_field",
        correlation_id=f"corr-{phone}",
    )  # fmt: skip
    await setup.state.write(setup.fence, writes)


class TestReport:
    async def test_names_the_leader_and_whether_this_replica_leads(self, setup: Setup) -> None:
        report = await status_of(setup, leading=True).report()

        assert (report.replica, report.leader, report.is_leader) == ("unit", "unit", True)
        assert report.ownership["phone"] == System.CRM.value
        assert set(report.loops) == {"cdc", "erpPoll", "products"}

    async def test_a_replica_that_does_not_lead_says_so(self, setup: Setup) -> None:
        report = await status_of(setup, leading=False).report()

        assert (report.leader, report.is_leader) == ("unit", False)


class TestDegradation:
    async def test_none_while_every_loop_runs(self, setup: Setup) -> None:
        assert await status_of(setup, leading=True).degradation() is None


class TestListAudit:
    async def test_the_latest_changes_come_first(self, setup: Setup) -> None:
        await apply_change(setup, "+49 2")
        await apply_change(setup, "+49 3")

        entries = await status_of(setup, leading=True).list_audit(limit=1)

        assert [entry.after for entry in entries] == [{"phone": "+49 3"}]
        assert entries[0].correlation_id == "corr-+49 3"
