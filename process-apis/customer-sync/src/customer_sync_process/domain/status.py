"""What the service is doing, as `/status`, `/audit` and `/readyz` report it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from customer_sync_process.adapters.ports import LeasePort
from customer_sync_process.domain.erp_to_crm import watermark_parts
from customer_sync_process.domain.flow import SyncFlow
from customer_sync_process.domain.loop_report import degradation, loop_reports
from customer_sync_process.domain.models import AuditEntryRead, ErpPollsRead, LoopRead, StatusRead


class SyncStatus:
    """Reads the state the leader saved; any replica answers."""

    def __init__(self, *, flow: SyncFlow, lease: LeasePort, leading: Callable[[], bool]) -> None:
        self._flow = flow
        self._lease = lease
        self._leading = leading

    async def loops(self) -> dict[str, LoopRead]:
        """Each loop as the leader saved it last (`idle` while no replica leads)."""
        return await loop_reports(self._flow, leading=await self._lease.holder_now() is not None)

    async def degradation(self) -> str | None:
        """Why the syncs work below par; None when they do not."""
        return degradation(await self.loops(), flow=self._flow)

    async def report(self) -> StatusRead:
        """The leader, the change event position, the ERP polls with their watermarks, the
        counters, the ownership rules and the loops."""
        state = self._flow.state
        cdc = await state.get_hash("cdc")
        loops = await self.loops()
        polls = await state.get_hash("erp-poll")
        last_poll = polls.get("lastCompletedAt")
        last_reset = polls.get("lastResetAt")
        erp_system = polls.get("systemId")
        return StatusRead(
            replica=self._lease.holder,
            leader=await self._lease.holder_now(),
            is_leader=self._leading(),
            change_events=cdc,
            watermarks={
                "customers": await state.get_text(*watermark_parts(erp_system, "customers")),
                "salesOrders": await state.get_text(*watermark_parts(erp_system, "sales-orders")),
            },
            erp_polls=ErpPollsRead(
                completed=int(polls.get("completed", 0)),
                last_completed_at=datetime.fromisoformat(last_poll) if last_poll else None,
                system_id=erp_system,
                last_reset_at=datetime.fromisoformat(last_reset) if last_reset else None,
                last_reset_reason=polls.get("lastResetReason"),
                previous_system_id=polls.get("previousSystemId"),
            ),
            counters=await state.stats(),
            ownership={name: owner.value for name, owner in self._flow.ownership.rules.items()},
            loops=loops,
            parked=sum(loop.parked for loop in loops.values()),
        )

    async def list_audit(self, *, limit: int) -> list[AuditEntryRead]:
        """The latest applied changes, newest first."""
        entries = await self._flow.state.audit_entries(count=limit)
        return [AuditEntryRead.model_validate(entry) for entry in entries]
