"""Orders that need attention: in the ERP, refused by the CRM; listed and finished by operators."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends

from quote_to_order_process.api.deps import FlowDep, require_operator
from quote_to_order_process.api.orders import ORDER_ID_PATTERN, OrderId
from quote_to_order_process.domain.errors import (
    OperatorRoleRequired,
    OrderBusy,
    OrderNotFound,
    OrderNotNeedingAttention,
)
from quote_to_order_process.domain.models import OrderRead
from quote_to_order_process.domain.processing import retry_crm_write
from trivium.paging import (
    DEFAULT_PAGE_SIZE,
    CursorQuery,
    InvalidCursor,
    LimitQuery,
    decode_cursor,
    encode_cursor,
)
from trivium.problems import problem_responses
from trivium.schemas import Page

router = APIRouter(tags=["needs attention"], dependencies=[Depends(require_operator)])

_ORDER_ID = re.compile(ORDER_ID_PATTERN)


@router.get("/needs-attention", responses=problem_responses(OperatorRoleRequired, InvalidCursor))
async def list_needing_attention(
    flow: FlowDep, limit: LimitQuery = DEFAULT_PAGE_SIZE, cursor: CursorQuery = None
) -> Page[OrderRead]:
    """Orders the ERP holds and the CRM refused, newest first (operators only). Each names the
    CRM's reason, the ERP order number and the actions that finish it (`attention`)."""
    after = decode_cursor(cursor, shape=_ORDER_ID) if cursor else None
    orders, last = await flow.store.list_needing_attention(limit=limit, after=after)
    return Page(
        items=[OrderRead.from_state(order) for order in orders],
        next_cursor=encode_cursor(last) if last else None,
    )


@router.post(
    "/orders/{order_id}/retry-crm",
    responses=problem_responses(
        OperatorRoleRequired, OrderNotFound, OrderNotNeedingAttention, OrderBusy
    ),
)
async def retry_crm(order_id: OrderId, flow: FlowDep) -> OrderRead:
    """Write the CRM order of an order that needs attention again, once its cause is fixed in
    the CRM (operators only). The ERP order is not touched. The answer is the order after the
    write: `completed`, `needs_attention` again with the new reason, or `in_erp` while the CRM
    is unavailable (it is retried by itself). The ERP System API cannot cancel a sales order,
    so this is the action that finishes such an order."""
    processed = await retry_crm_write(flow, order_id)
    assert processed.order is not None
    return OrderRead.from_state(processed.order)
