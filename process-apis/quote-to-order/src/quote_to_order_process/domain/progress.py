"""An order as its status resource shows it: the saga state, with the ERP's delivery and billing
progress of its sales order read when it is asked for."""

from __future__ import annotations

import logging

from quote_to_order_process.domain.models import OrderState, SagaStep
from quote_to_order_process.domain.ownership import rep_may_see
from quote_to_order_process.domain.saga import OrderFlow
from trivium.problems import UpstreamRejected, UpstreamUnavailable

log = logging.getLogger(__name__)


async def get_order_with_progress(
    flow: OrderFlow, order_id: str, *, rep: str | None = None
) -> OrderState | None:
    """The order with the ERP's current delivery and billing status of its sales order; for a
    sales rep (`rep`), None unless the rep owns its account.

    With the ERP unavailable, the status last read is shown. A completed order keeps what was
    read (the saga no longer writes it), so that listings show it too.
    """
    order = await flow.store.get(order_id)
    if order is not None and rep is not None and not await rep_may_see(flow, order, rep=rep):
        return None
    if order is None or order.erp_order_number is None:
        return order
    try:
        erp_order = await flow.erp.get_order(order.erp_order_number)
    except (UpstreamUnavailable, UpstreamRejected) as error:
        log.warning(
            "order.progress_unavailable", extra={"order_id": order_id, "problem": error.slug}
        )
        return order
    progress = {
        "delivery_status": erp_order.delivery_status,
        "billing_status": erp_order.billing_status,
    }
    if (order.delivery_status, order.billing_status) == tuple(progress.values()):
        return order
    updated = order.evolve(**progress)
    if order.step is SagaStep.COMPLETED:
        await flow.store.save(updated, wake_at=None)
    return updated
