"""Dead letters: orders parked after repeated or permanent failures, and their replay."""

from __future__ import annotations

from quote_to_order_process.api.deps import get_work_queue
from quote_to_order_process.domain.errors import OperatorRoleRequired
from quote_to_order_process.domain.models import DeadLetterRead
from trivium.work_queue import DeadLetter
from trivium.work_queue.routes import dead_letter_router, payload_member


def _read(letter: DeadLetter) -> DeadLetterRead:
    return DeadLetterRead(
        id=letter.id,
        order_id=payload_member(letter, "orderId"),
        attempts=letter.attempts,
        error_type=letter.error_type,
        error_message=letter.error_message,
        dead_lettered_at=letter.dead_lettered_at,
        correlation_id=letter.correlation_id,
    )


router = dead_letter_router(
    queue=get_work_queue,
    read=_read,
    read_model=DeadLetterRead,
    operator_required=OperatorRoleRequired,
    list_description="Orders that failed for good, oldest first, with their last error "
    "(operators only).\nThe order itself (`GET /orders/{orderId}`) shows the step it reached.",
    replay_description="Queue the order again with fresh retries, once its cause is fixed "
    "(operators only); it\ngoes on from the step it reached, so nothing done before is done "
    "twice.",
)
