"""Customer requests that need attention: the ERP customer exists, the CRM refused the link;
listed and finished by operators."""

from __future__ import annotations

from create_customer_process.api.customers import REQUEST_ID_PATTERN, RequestId
from create_customer_process.api.deps import get_flow, require_operator
from create_customer_process.domain.errors import (
    RequestBusy,
    RequestNotFound,
    RequestNotNeedingAttention,
)
from create_customer_process.domain.models import CustomerRequestRead, RequestState
from create_customer_process.domain.processing import retry_crm_link
from create_customer_process.domain.saga import CustomerFlow
from trivium.attention import needs_attention_router
from trivium.problems import OperatorRoleRequired


async def retry_request_crm_link(flow: CustomerFlow, request_id: str) -> RequestState | None:
    return (await retry_crm_link(flow, request_id)).state


router = needs_attention_router(
    flow=get_flow,
    read=CustomerRequestRead.from_state,
    read_model=CustomerRequestRead,
    retry=retry_request_crm_link,
    id_pattern=REQUEST_ID_PATTERN,
    operator=require_operator,
    operator_required=OperatorRoleRequired,
    retry_path="/customers/requests/{request_id}/retry-crm",
    saga_id=RequestId,
    retry_problems=(OperatorRoleRequired, RequestNotFound, RequestNotNeedingAttention, RequestBusy),
    list_description="""
    Requests whose ERP customer exists and whose link the CRM refused, newest first
    (operators only). Each names the CRM's reason, both records and the actions that finish it
    (`attention`).""",
    retry_description="""
    Write the ERP customer number on the account again, once the cause of the refusal is
    fixed in the CRM (e.g. the deleted account restored; operators only). Nothing is created
    again. The answer is the request after the write: `completed`, `needs_attention` again
    with the new reason, or `pending` while the CRM is unavailable (finished by a worker). The
    ERP System API cannot delete a customer (only block it), so this is the action that
    finishes such a request.""",
)
