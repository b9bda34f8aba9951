"""Customer requests that need attention: the ERP customer exists, the CRM refused the link;
listed and finished by operators."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends

from create_customer_process.api.customers import REQUEST_ID_PATTERN, RequestId
from create_customer_process.api.deps import FlowDep, require_operator
from create_customer_process.domain.errors import (
    OperatorRoleRequired,
    RequestBusy,
    RequestNotFound,
    RequestNotNeedingAttention,
)
from create_customer_process.domain.models import CustomerRequestRead
from create_customer_process.domain.processing import retry_crm_link
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

_REQUEST_ID = re.compile(REQUEST_ID_PATTERN)


@router.get("/needs-attention", responses=problem_responses(OperatorRoleRequired, InvalidCursor))
async def list_needing_attention(
    flow: FlowDep, limit: LimitQuery = DEFAULT_PAGE_SIZE, cursor: CursorQuery = None
) -> Page[CustomerRequestRead]:
    """Requests whose ERP customer exists and whose link the CRM refused, newest first
    (operators only). Each names the CRM's reason, both records and the actions that finish it
    (`attention`)."""
    after = decode_cursor(cursor, shape=_REQUEST_ID) if cursor else None
    requests, last = await flow.store.list_needing_attention(limit=limit, after=after)
    return Page(
        items=[CustomerRequestRead.from_state(request) for request in requests],
        next_cursor=encode_cursor(last) if last else None,
    )


@router.post(
    "/customers/requests/{request_id}/retry-crm",
    responses=problem_responses(
        OperatorRoleRequired, RequestNotFound, RequestNotNeedingAttention, RequestBusy
    ),
)
async def retry_crm(request_id: RequestId, flow: FlowDep) -> CustomerRequestRead:
    """Write the ERP customer number on the account again, once the cause of the refusal is
    fixed in the CRM (e.g. the deleted account restored; operators only). Nothing is created
    again. The answer is the request after the write: `completed`, `needs_attention` again
    with the new reason, or `pending` while the CRM is unavailable (finished by a worker). The
    ERP System API cannot delete a customer (only block it), so this is the action that
    finishes such a request."""
    processed = await retry_crm_link(flow, request_id)
    assert processed.state is not None
    return CustomerRequestRead.from_state(processed.state)
