"""The flow with what it works on: both systems, the leader's state, the ownership rules.

Helpers here are what both directions share: finding the account of a customer and the other
way round (links are remembered), the last values seen in the ERP, and audit entries.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from customer_sync_process.adapters.ports import (
    CrmPort,
    ErpPort,
    StatePort,
    SyncMetrics,
)
from customer_sync_process.domain.loop_state import LoopBoard
from customer_sync_process.domain.ownership import Ownership, System
from customer_sync_process.domain.positions import NOW
from customer_sync_process.domain.values import Values
from trivium.write_batch import WriteBatch

log = logging.getLogger(__name__)

MARKER_DAYS = 7  # longer than the CRM keeps change events (72 hours)
LINK_DAYS = 30


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SyncPolicy:
    cdc_wait_seconds: float = 20.0
    cdc_start: str = NOW
    reread_overlap: timedelta = timedelta(seconds=5)
    erp_poll_overlap: timedelta = timedelta(seconds=2)
    erp_first_lookback: timedelta = timedelta(0)
    erp_page_size: int = 200
    # One record: tries within a budget before a transient failure parks it.
    record_attempts: int = 4
    record_retry_seconds: float = 0.5
    record_budget: timedelta = timedelta(seconds=30)
    # Records parked for a transient reason are tried again this often.
    parked_retry_interval: timedelta = timedelta(minutes=5)
    # A loop retrying this long is stalled; lag this old makes the service degraded.
    stall_after: timedelta = timedelta(seconds=60)
    degraded_lag: timedelta = timedelta(seconds=120)


@dataclass
class SyncFlow:
    crm: CrmPort
    erp: ErpPort
    state: StatePort
    ownership: Ownership
    policy: SyncPolicy
    metrics: SyncMetrics
    clock: Callable[[], datetime] = utc_now
    loops: LoopBoard = field(init=False)
    # Both directions compare and write the same customer; one at a time per customer keeps
    # the last-seen values from being overwritten with older ones.
    _locks: defaultdict[str, asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock)
    )

    def __post_init__(self) -> None:
        self.loops = LoopBoard(self.metrics)

    def customer_lock(self, customer_id: str) -> asyncio.Lock:
        return self._locks[customer_id]

    # links between accounts and customers ------------------------------------------------------

    async def customer_of(self, account_id: str, *, known: str | None = None) -> str | None:
        """The ERP customer number of a CRM account (None when the account is not linked)."""
        if known:
            return known
        cached = await self.state.get_text("link", "crm", account_id)
        if cached:
            return cached
        profile = await self.crm.get_profile(account_id)
        return profile.erp_customer_number if profile else None

    async def account_of(self, customer_id: str, *, known: str | None = None) -> str | None:
        """The CRM account of an ERP customer: its external id, else by customer number."""
        cached = await self.state.get_text("link", "erp", customer_id)
        if cached:
            return cached
        if known:
            return known
        return await self.crm.find_account_id(customer_id)

    def remember_link(self, writes: WriteBatch, account_id: str, customer_id: str) -> None:
        ttl = LINK_DAYS * 86_400
        writes.set(self.state.key("link", "crm", account_id), customer_id, ttl_seconds=ttl)
        writes.set(self.state.key("link", "erp", customer_id), account_id, ttl_seconds=ttl)

    # last values seen in the ERP ---------------------------------------------------------------

    async def erp_seen(self, customer_id: str) -> Values | None:
        seen: Values | None = await self.state.get_json("erp-seen", customer_id)
        return seen

    def remember_erp(self, writes: WriteBatch, customer_id: str, values: Values) -> None:
        writes.set(self.state.key("erp-seen", customer_id), json.dumps(values, sort_keys=True))

    async def crm_changed_at(self, customer_id: str) -> dict[str, datetime]:
        """When the CRM last changed each field of the customer's account (from its events)."""
        stamps = await self.state.get_hash("crm-changed", customer_id)
        return {field: datetime.fromisoformat(value) for field, value in stamps.items()}

    def remember_crm_change(
        self, writes: WriteBatch, customer_id: str, fields: Iterable[str], at: datetime
    ) -> None:
        writes.hset(
            self.state.key("crm-changed", customer_id), {field: at.isoformat() for field in fields}
        )

    # audit and counters ------------------------------------------------------------------------

    def audit(
        self,
        writes: WriteBatch,
        *,
        source: System,
        target: System,
        entity: str,
        entity_id: str,
        before: Values,
        after: Values,
        reason: str,
        correlation_id: str,
        source_id: str | None = None,
    ) -> None:
        """One audit entry per applied change: what moved where, from what to what, and why."""
        writes.xadd(
            self.state.audit_stream,
            {
                "at": self.clock().isoformat(timespec="milliseconds"),
                "source": source.value,
                "target": target.value,
                "entity": entity,
                "entityId": entity_id,
                "sourceId": source_id or "",
                "fields": json.dumps(sorted(after)),
                "before": json.dumps(before, sort_keys=True, default=str),
                "after": json.dumps(after, sort_keys=True, default=str),
                "reason": reason,
                "correlationId": correlation_id,
            },
            max_length=self.state.audit_max_length,
        )

    def count(self, writes: WriteBatch, name: str, amount: int = 1) -> None:
        writes.incr(self.state.key("stats"), name, amount)

    def conflict(
        self, writes: WriteBatch, *, field: str, winner: System, customer_id: str, why: str
    ) -> None:
        self.metrics.conflict(field, winner.value)
        self.count(writes, "conflicts")
        log.warning(
            "sync.conflict",
            extra={"field": field, "winner": winner.value, "customer": customer_id, "why": why},
        )


def subset(values: Values, fields: Iterable[str]) -> dict[str, Any]:
    return {field: values.get(field) for field in fields}
