"""Creating a sales order exactly once per customer reference."""

from __future__ import annotations

import logging

from erp_system.adapters.ports import CreationAttemptsPort, ErpPort, KeyLockPort
from erp_system.domain.errors import OUTCOME_UNKNOWN, CreationInProgress
from erp_system.domain.models import SalesOrderCreate, SalesOrderRead

log = logging.getLogger(__name__)


async def place_sales_order(
    erp: ErpPort,
    locks: KeyLockPort,
    attempts: CreationAttemptsPort,
    order: SalesOrderCreate,
    *,
    always_look_up: bool = False,
) -> tuple[SalesOrderRead, bool]:
    """The order for this customer and external reference, created unless it exists (created?).

    ERPs do not enforce a unique customer reference, so the create runs under a lock per
    reference, after a lookup when this API attempted the reference before: the attempt is
    recorded before the create, so that a reference never attempted cannot have an order made
    by this API (a first attempt is the create alone). A create whose outcome is unknown is
    looked up again before it fails.
    """
    key = f"sales-order:{order.customer_id}:{order.external_reference}"
    # The attempt is recorded in the round trip that takes the lock; only the reply of that
    # round trip counts (a waiter's earlier tries may record it while another request holds it,
    # which costs the holder a lookup, never a second order).
    async with locks.hold(key, along=attempts.recording(key)) as held:
        if not held:
            raise CreationInProgress(
                "Another request is creating an order with this external reference; retry shortly.",
                headers={"Retry-After": "2"},
            )
        first_attempt = bool(held.read[0])
        if always_look_up or not first_attempt:
            existing = await erp.find_sales_order(
                customer_id=order.customer_id, external_reference=order.external_reference
            )
            if existing is not None:
                log.info("sales_order.exists", extra={"sales_order": existing.id})
                return existing, False
        return await _create_or_find(erp, order), True


async def _create_or_find(erp: ErpPort, order: SalesOrderCreate) -> SalesOrderRead:
    try:
        created = await erp.create_sales_order(order)
    except OUTCOME_UNKNOWN as failure:
        try:
            found = await erp.find_sales_order(
                customer_id=order.customer_id, external_reference=order.external_reference
            )
        except OUTCOME_UNKNOWN:
            raise failure from None
        if found is None:
            raise
        log.info("sales_order.created_despite_error", extra={"sales_order": found.id})
        return found
    log.info("sales_order.created", extra={"sales_order": created.id})
    return created
