"""ERP → Salesforce: customers and sales orders polled by last change, from a watermark.

A polled customer is compared with the values last seen in the ERP, so only what the ERP
changed moves on (our own writes to the ERP are remembered as seen, so they do not come back).
Fields the ERP owns go to the CRM; a change of a field the CRM owns is a conflict and the CRM's
value is written back to the ERP; a shared field goes the way of the later commit. The ERP keeps
change times to the second, so each poll starts a little before the watermark and skips what it
has seen. Sales orders put their ERP status and invoice number on the CRM order.

Watermarks belong to the ERP system that answered the polls (each page names it): when another
system answers, its changes are polled from its own watermarks, or from the first-watermark rule
when it has none, and the switch is logged and shown in the status.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from customer_sync_process.adapters.ports import (
    ChangeT,
    ErpChangePage,
    ErpCustomerProfile,
    ErpSalesOrderChange,
)
from customer_sync_process.domain.failures import Failure
from customer_sync_process.domain.flow import SyncFlow, subset
from customer_sync_process.domain.models import ParkedRead
from customer_sync_process.domain.ownership import Owner, System
from customer_sync_process.domain.parking import apply_record
from customer_sync_process.domain.values import (
    Values,
    crm_values,
    crm_write,
    erp_values,
    erp_write,
    writable_values,
)
from trivium.schemas import UpstreamModel
from trivium.write_batch import WriteBatch

log = logging.getLogger(__name__)

CRM_ORDER_STATUS = {
    "open": "Created",
    "blocked": "Pending",
    "in_delivery": "In Process",
    "delivered": "Delivered",
    "partially_billed": "Delivered",
    "billed": "Invoiced",
    "cancelled": "Cancelled",
}
MAX_PAGES_PER_POLL = 50


WATERMARKS = ("customers", "sales-orders")


def watermark_parts(system_id: str | None, name: str) -> tuple[str, ...]:
    """The state key parts of a watermark of the ERP system `system_id` (None: a system that
    has not named itself, whose watermarks are kept without a system)."""
    return ("watermark", name) if system_id is None else ("watermark", system_id, name)


async def erp_system_id(flow: SyncFlow) -> str | None:
    """The ERP system the stored watermarks belong to (None until one named itself)."""
    return (await flow.state.get_hash("erp-poll")).get("systemId")


async def switch_erp_system(
    flow: SyncFlow, fence: int, *, previous: str | None, current: str
) -> None:
    """Record that `current` answers the polls now. The first system to name itself takes over
    the watermarks kept so far; another one is polled from its own (see `_watermark`)."""
    key = flow.state.key("erp-poll")
    writes = WriteBatch().hset(key, {"systemId": current})
    if previous is None:
        for name in WATERMARKS:
            kept = await flow.state.get_text(*watermark_parts(None, name))
            if kept and not await flow.state.get_text(*watermark_parts(current, name)):
                writes.set(flow.state.key(*watermark_parts(current, name)), kept)
            if kept:
                writes.delete(flow.state.key(*watermark_parts(None, name)))
    else:
        log.warning(
            "sync.erp_system_changed",
            extra={"previous_system_id": previous, "system_id": current},
        )
        writes.hset(
            key,
            {"lastResetAt": flow.clock().isoformat(), "lastResetReason": "system_changed",
             "previousSystemId": previous},
        )  # fmt: skip
    await flow.state.write(fence, writes)


async def _watermark(flow: SyncFlow, fence: int, system_id: str | None, name: str) -> datetime:
    """The system's stored watermark; on a first start (or the first poll of a system), now
    (less the configured look-back), stored at once so that polls with nothing to read do not
    move it along with the clock."""
    stored = await flow.state.get_text(*watermark_parts(system_id, name))
    if stored:
        return datetime.fromisoformat(stored)
    first = flow.clock() - flow.policy.erp_first_lookback
    writes = WriteBatch()
    _advance(flow, writes, system_id, name, first)
    await flow.state.write(fence, writes)
    return first


def _advance(
    flow: SyncFlow, writes: WriteBatch, system_id: str | None, name: str, moment: datetime
) -> None:
    writes.set(flow.state.key(*watermark_parts(system_id, name)), moment.isoformat())


async def poll_erp(flow: SyncFlow, fence: int) -> int:
    """One full poll, customers then sales orders, recorded as completed (count and time) once
    both are done; how many records were written."""
    written = await poll_customers(flow, fence)
    written += await poll_sales_orders(flow, fence)
    key = flow.state.key("erp-poll")
    writes = (
        WriteBatch().incr(key, "completed").hset(key, {"lastCompletedAt": flow.clock().isoformat()})
    )
    await flow.state.write(fence, writes)
    return written


async def poll_customers(flow: SyncFlow, fence: int) -> int:
    """Apply every customer change since the watermark; how many customers were written."""
    return await _poll_changes(
        flow, fence, watermark="customers", record_type="customer",
        read=flow.erp.customer_changes, apply=apply_customer,
    )  # fmt: skip


async def poll_sales_orders(flow: SyncFlow, fence: int) -> int:
    """Put the status of every sales order changed since the watermark on its CRM order."""
    return await _poll_changes(
        flow, fence, watermark="sales-orders", record_type="salesOrder",
        read=flow.erp.sales_order_changes, apply=apply_sales_order,
    )  # fmt: skip


async def _poll_changes(
    flow: SyncFlow,
    fence: int,
    *,
    watermark: str,
    record_type: str,
    read: Callable[..., Awaitable[ErpChangePage[ChangeT]]],
    apply: Callable[[SyncFlow, WriteBatch, ChangeT], Awaitable[int]],
) -> int:
    """Apply every record of one ERP change feed since its watermark, each on its own and the
    watermark moved past it; how many were written."""
    written = 0
    system_id = await erp_system_id(flow)
    since = await _watermark(flow, fence, system_id, watermark)
    for _ in range(MAX_PAGES_PER_POLL):
        page = await read(
            since=since - flow.policy.erp_poll_overlap, limit=flow.policy.erp_page_size
        )
        if page.system_id is not None and page.system_id != system_id:
            await switch_erp_system(flow, fence, previous=system_id, current=page.system_id)
            system_id = page.system_id
            since = await _watermark(flow, fence, system_id, watermark)
            continue
        for record in page.items:
            writes = WriteBatch()
            written += await _apply_parkable(
                flow, writes, record_type, record.id, record,
                functools.partial(apply, flow, writes, record),
            )  # fmt: skip
            if record.changed_at > since:
                since = record.changed_at
            _advance(flow, writes, system_id, watermark, since)
            await flow.state.write(fence, writes)
        if not page.has_more:
            break
    return written


async def _apply_parkable(
    flow: SyncFlow,
    writes: WriteBatch,
    record_type: str,
    record_id: str,
    record: UpstreamModel,
    apply: Callable[[], Awaitable[int]],
) -> int:
    """Apply one polled record on its own (parked when it fails); 1 when it wrote something."""
    written = 0

    async def counted(parked: ParkedRead | None) -> None:
        nonlocal written
        written = await apply()

    def retrying(failure: Failure) -> None:
        flow.loops["erpPoll"].failed(flow.clock(), failure.detail)

    await apply_record(
        flow, writes, record_type=record_type, record_id=record_id, fields=(),
        event=record.model_dump(mode="json", by_alias=True), apply=counted, on_retry=retrying,
    )  # fmt: skip
    return written


async def retry_parked(flow: SyncFlow, writes: WriteBatch, item: ParkedRead) -> bool:
    """Apply a parked customer from its current values, or a parked sales order's status
    (parked again when it still fails); True when it applied."""
    if item.record_type == "salesOrder":
        order = ErpSalesOrderChange.model_validate(item.event)
        apply = functools.partial(apply_sales_order, flow, writes, order)
    else:
        apply = functools.partial(_apply_current_customer, flow, writes, item.record_id)

    async def run(parked: ParkedRead | None) -> None:
        await apply()

    return await apply_record(
        flow, writes, record_type=item.record_type, record_id=item.record_id, fields=(),
        event=item.event, apply=run,
    )  # fmt: skip


async def _apply_current_customer(flow: SyncFlow, writes: WriteBatch, customer_id: str) -> int:
    async with flow.customer_lock(customer_id):
        profile = await flow.erp.get_profile(customer_id)
        return 0 if profile is None else await _apply_customer(flow, writes, profile)


async def apply_customer(flow: SyncFlow, writes: WriteBatch, profile: ErpCustomerProfile) -> int:
    """Bring the customer's account in line with what the ERP changed; 1 when written."""
    if await flow.erp_seen(profile.id) == erp_values(profile):
        return 0
    async with flow.customer_lock(profile.id):
        # Read again under the lock: a change event may have written the customer meanwhile.
        current = await flow.erp.get_profile(profile.id)
        return await _apply_customer(flow, writes, current or profile)


async def _apply_customer(flow: SyncFlow, writes: WriteBatch, profile: ErpCustomerProfile) -> int:
    erp = erp_values(profile)
    seen = await flow.erp_seen(profile.id)
    if seen == erp:
        return 0
    account_id = await flow.account_of(profile.id, known=profile.external_id)
    account = await flow.crm.get_profile(account_id) if account_id else None
    if account_id is None or account is None:
        flow.remember_erp(writes, profile.id, erp)
        return 0
    flow.remember_link(writes, account_id, profile.id)
    crm = crm_values(account)
    crm_changed = await flow.crm_changed_at(profile.id)
    # First sight of a customer: nothing is known to have changed in the ERP, so only what the
    # ERP owns is brought over (no conflicts can be told apart yet).
    changed = [f for f in flow.ownership.rules if seen is None or seen.get(f) != erp.get(f)]
    to_crm: Values = {}
    to_erp: Values = {}
    for field in changed:
        if crm.get(field) == erp.get(field):
            continue
        owner = flow.ownership.owner(field)
        crm_later = field in crm_changed and crm_changed[field] > profile.changed_at
        if owner is Owner.ERP or (owner is Owner.LATEST and not crm_later):
            to_crm[field] = erp.get(field)
        elif seen is not None:
            why = "the CRM owns it" if owner is Owner.CRM else "the CRM's change is more recent"
            flow.conflict(writes, field=field, winner=System.CRM, customer_id=profile.id, why=why)
            to_erp[field] = crm.get(field)
    correlation = f"erp:{profile.id}:{profile.changed_at.isoformat()}"
    if to_crm:
        updated = crm_values(await flow.crm.update_profile(account_id, crm_write(to_crm)))
        flow.audit(
            writes, source=System.ERP, target=System.CRM, entity="account", entity_id=account_id,
            before=subset(crm, to_crm), after=subset(updated, to_crm), reason="erp_change",
            correlation_id=correlation, source_id=profile.id,
        )  # fmt: skip
        flow.metrics.change_written("erp_to_crm", "crm")
        flow.count(writes, "erp_to_crm")
    body = erp_write(to_erp)
    to_erp = writable_values(to_erp, body, target="erp")
    # Remembered as seen only once both writes went through: a record that failed (and is
    # parked) is compared afresh when it is tried again.
    after = erp
    if body and to_erp:
        after = erp_values(await flow.erp.update_profile(profile.id, body))
        flow.audit(
            writes, source=System.CRM, target=System.ERP, entity="customer", entity_id=profile.id,
            before=subset(erp, to_erp), after=subset(after, to_erp), reason="ownership",
            correlation_id=correlation, source_id=account_id,
        )  # fmt: skip
        flow.metrics.change_written("crm_to_erp", "erp")
        flow.count(writes, "crm_to_erp")
    flow.remember_erp(writes, profile.id, after)
    return int(bool(to_crm) or bool(to_erp))


async def apply_sales_order(flow: SyncFlow, writes: WriteBatch, order: ErpSalesOrderChange) -> int:
    status = CRM_ORDER_STATUS.get(order.status)
    if status is None:
        return 0
    invoice = order.invoice_numbers[-1] if order.invoice_numbers else None
    shown = f"{status}|{invoice or ''}"
    if await flow.state.get_text("order-seen", order.id) == shown:
        return 0
    result = await flow.crm.set_order_status(order.id, erp_status=status, invoice_number=invoice)
    writes.set(flow.state.key("order-seen", order.id), shown)
    if result is None or not result.changed:
        return 0
    flow.audit(
        writes, source=System.ERP, target=System.CRM, entity="order", entity_id=result.order_id,
        before={"erpStatus": result.previous_erp_status,
                "invoiceNumber": result.previous_invoice_number},
        after={"erpStatus": status, "invoiceNumber": invoice}, reason="erp_change",
        correlation_id=f"erp-order:{order.id}:{order.changed_at.isoformat()}", source_id=order.id,
    )  # fmt: skip
    flow.metrics.change_written("order_status", "crm")
    flow.count(writes, "order_status")
    return 1
