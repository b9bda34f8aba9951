"""Dead letters: customer requests parked after repeated or permanent failures, and replay."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, status

from create_customer_process.api.deps import OperatorDep, WorkQueueDep
from create_customer_process.domain.errors import OperatorRoleRequired
from create_customer_process.domain.models import DeadLetterRead, ReplayRead
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
from trivium.work_queue import DeadLetter, DeadLetterNotFound

router = APIRouter(prefix="/dead-letters", tags=["dead letters"])

STREAM_ID_PATTERN = r"^\d{1,20}-\d{1,20}$"
_STREAM_ID = re.compile(STREAM_ID_PATTERN)
DeadLetterId = Annotated[str, Path(pattern=STREAM_ID_PATTERN, description="The dead letter's id.")]


def _read(letter: DeadLetter) -> DeadLetterRead:
    request_id = letter.payload.get("requestId") if isinstance(letter.payload, dict) else None
    return DeadLetterRead(
        id=letter.id,
        request_id=request_id if isinstance(request_id, str) else None,
        attempts=letter.attempts,
        error_type=letter.error_type,
        error_message=letter.error_message,
        dead_lettered_at=letter.dead_lettered_at,
        correlation_id=letter.correlation_id,
    )


@router.get("", responses=problem_responses(OperatorRoleRequired, InvalidCursor))
async def list_dead_letters(
    queue: WorkQueueDep,
    caller: OperatorDep,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> Page[DeadLetterRead]:
    """Requests that failed for good, oldest first, with their last error (operators only).
    The request itself (`GET /customers/requests/{requestId}`) shows the step it reached."""
    after = decode_cursor(cursor, shape=_STREAM_ID) if cursor else None
    page = await queue.list_dead_letters(limit=limit, cursor=after)
    return Page(
        items=[_read(letter) for letter in page.items],
        next_cursor=encode_cursor(page.next_cursor) if page.next_cursor else None,
    )


@router.post(
    "/{dead_letter_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(OperatorRoleRequired, DeadLetterNotFound),
)
async def replay_dead_letter(
    dead_letter_id: DeadLetterId, queue: WorkQueueDep, caller: OperatorDep
) -> ReplayRead:
    """Queue the request again with fresh retries, once its cause is fixed (operators only); it
    goes on from the step it reached, so nothing done before is done twice."""
    message_id = await queue.replay_dead_letter(dead_letter_id)
    return ReplayRead(dead_letter_id=dead_letter_id, message_id=message_id)
