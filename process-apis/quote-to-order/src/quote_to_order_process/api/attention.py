"""Orders that need attention: in the ERP, refused by the CRM; listed and finished by operators."""

from __future__ import annotations

from quote_to_order_process.api.deps import get_flow, require_operator
from quote_to_order_process.api.orders import ORDER_ID_PATTERN, OrderId
from quote_to_order_process.domain.errors import OrderBusy, OrderNotFound, OrderNotNeedingAttention
from quote_to_order_process.domain.models import OrderRead, OrderState
from quote_to_order_process.domain.processing import retry_crm_write
from quote_to_order_process.domain.saga import OrderFlow
from trivium.attention import needs_attention_router
from trivium.problems import OperatorRoleRequired


async def retry_order_crm_write(flow: OrderFlow, order_id: str) -> OrderState | None:
    return (await retry_crm_write(flow, order_id)).order


router = needs_attention_router(
    flow=get_flow,
    read=OrderRead.from_state,
    read_model=OrderRead,
    retry=retry_order_crm_write,
    id_pattern=ORDER_ID_PATTERN,
    operator=require_operator,
    operator_required=OperatorRoleRequired,
    retry_path="/orders/{order_id}/retry-crm",
    saga_id=OrderId,
    retry_problems=(OperatorRoleRequired, OrderNotFound, OrderNotNeedingAttention, OrderBusy),
    list_description="""
    Orders the ERP holds and the CRM refused, newest first (operators only). Each names the
    CRM's reason, the ERP order number and the actions that finish it (`attention`).""",
    retry_description="""
    Write the CRM order of an order that needs attention again, once its cause is fixed in
    the CRM (operators only). The ERP order is not touched. The answer is the order after the
    write: `completed`, `needs_attention` again with the new reason, or `in_erp` while the CRM
    is unavailable (it is retried by itself). The ERP System API cannot cancel a sales order,
    so this is the action that finishes such an order.""",
)
