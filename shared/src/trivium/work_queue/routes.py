"""The operators' routes over a work queue's dead letters: list them, show, replay or discard
one, and replay them all.

Each service describes its own dead letters (the model and the wording of the docs); listing,
paging, replay and the operator-role check are the same everywhere.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures built below at run
# time, and they name the service's models through closures.

import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import BaseModel, Field

from trivium.paging import (
    DEFAULT_PAGE_SIZE,
    CursorQuery,
    InvalidCursor,
    LimitQuery,
    decode_cursor,
    encode_cursor,
)
from trivium.problems import Problem, problem_responses
from trivium.schemas import ApiModel, Page
from trivium.service_auth import ServiceCaller, service_caller_of
from trivium.work_queue.errors import DeadLetterNotFound
from trivium.work_queue.messages import DeadLetter
from trivium.work_queue.queue import WorkQueue

ReadT = TypeVar("ReadT", bound=BaseModel)

OPERATOR_ROLE = "operator"
STREAM_ID_PATTERN = r"^\d{1,20}-\d{1,20}$"
_STREAM_ID = re.compile(STREAM_ID_PATTERN)
DeadLetterId = Annotated[str, Path(pattern=STREAM_ID_PATTERN, description="The dead letter's id.")]


class ReplayRead(ApiModel):
    dead_letter_id: str
    message_id: str


class ReplayAllRead(ApiModel):
    replayed: int = Field(description="Dead letters queued again.")


def payload_member(letter: DeadLetter, name: str) -> str | None:
    """A string member of the dead letter's payload (the id of the work it carried), if any."""
    value = letter.payload.get(name) if isinstance(letter.payload, dict) else None
    return value if isinstance(value, str) else None


def dead_letter_reader(read_model: type[ReadT], *, work_id: str) -> Callable[[DeadLetter], ReadT]:
    """Each dead letter as `read_model` (camelCase fields): its id, attempts, last error and
    correlation id, and the id of the work it carried (the payload member `work_id`)."""

    def read(letter: DeadLetter) -> ReadT:
        return read_model.model_validate(
            {
                "id": letter.id,
                work_id: payload_member(letter, work_id),
                "attempts": letter.attempts,
                "errorType": letter.error_type,
                "errorMessage": letter.error_message,
                "deadLetteredAt": letter.dead_lettered_at,
                "correlationId": letter.correlation_id,
            }
        )

    return read


def operator_role(
    refused: type[Problem],
    *,
    detail: str = "Dead letters are handled by operators: the service token needs the "
    "operator role.",
) -> Callable[[Request], Awaitable[ServiceCaller]]:
    """A dependency giving the caller when its token carries the `operator` role (claim
    `roles`), raising `refused` with `detail` otherwise (it reads the caller from the request:
    one dependency to solve per request instead of two)."""

    async def require_operator(request: Request) -> ServiceCaller:
        caller = service_caller_of(request)
        roles = caller.claims.get("roles")
        if not isinstance(roles, list) or OPERATOR_ROLE not in roles:
            raise refused(detail)
        return caller

    return require_operator


def dead_letter_router(
    *,
    queue: Callable[..., WorkQueue | Awaitable[WorkQueue]],
    read: Callable[[DeadLetter], ReadT],
    read_model: type[ReadT],
    operator_required: type[Problem],
    list_description: str,
    replay_description: str,
) -> APIRouter:
    """`GET /dead-letters`, `GET` and `DELETE /dead-letters/{id}`, `POST
    /dead-letters/{id}/replay` and `POST /dead-letters/replay` over the queue that the
    dependency `queue` gives, each dead letter shown as `read` makes it."""
    router = APIRouter(
        prefix="/dead-letters",
        tags=["dead letters"],
        dependencies=[Depends(operator_role(operator_required))],
    )

    @router.get(
        "",
        response_model=Page[read_model],  # type: ignore[valid-type]
        responses=problem_responses(operator_required, InvalidCursor),
        description=list_description,
    )
    async def list_dead_letters(
        work_queue: WorkQueue = Depends(queue),
        limit: LimitQuery = DEFAULT_PAGE_SIZE,
        cursor: CursorQuery = None,
    ) -> Any:
        after = decode_cursor(cursor, shape=_STREAM_ID) if cursor else None
        page = await work_queue.list_dead_letters(limit=limit, cursor=after)
        return Page(
            items=[read(letter) for letter in page.items],
            next_cursor=encode_cursor(page.next_cursor) if page.next_cursor else None,
        )

    @router.get(
        "/{dead_letter_id}",
        response_model=read_model,
        responses=problem_responses(operator_required, DeadLetterNotFound),
        description="One dead letter with its last error (operators only); 404 once it was "
        "replayed or discarded.",
    )
    async def get_dead_letter(
        dead_letter_id: DeadLetterId,
        work_queue: WorkQueue = Depends(queue),
    ) -> Any:
        letter = await work_queue.get_dead_letter(dead_letter_id)
        if letter is None:
            raise DeadLetterNotFound(f"No dead letter has the id {dead_letter_id!r}.")
        return read(letter)

    @router.delete(
        "/{dead_letter_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=problem_responses(operator_required, DeadLetterNotFound),
        description="Delete a dead letter whose work must not be done (operators only); its "
        "work stays as far as it got and is not tried again.",
    )
    async def discard_dead_letter(
        dead_letter_id: DeadLetterId,
        work_queue: WorkQueue = Depends(queue),
    ) -> Response:
        await work_queue.discard_dead_letter(dead_letter_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/replay",
        status_code=status.HTTP_202_ACCEPTED,
        responses=problem_responses(operator_required),
        description="Queue every dead letter present now again with fresh retries (operators "
        "only), once their common cause is fixed; letters added meanwhile stay.",
    )
    async def replay_all_dead_letters(
        work_queue: WorkQueue = Depends(queue),
    ) -> ReplayAllRead:
        return ReplayAllRead(replayed=await work_queue.replay_all_dead_letters())

    @router.post(
        "/{dead_letter_id}/replay",
        status_code=status.HTTP_202_ACCEPTED,
        responses=problem_responses(operator_required, DeadLetterNotFound),
        description=replay_description,
    )
    async def replay_dead_letter(
        dead_letter_id: DeadLetterId,
        work_queue: WorkQueue = Depends(queue),
    ) -> ReplayRead:
        message_id = await work_queue.replay_dead_letter(dead_letter_id)
        return ReplayRead(dead_letter_id=dead_letter_id, message_id=message_id)

    return router
