"""Dead letters: orders parked after repeated or permanent failures, and their replay."""

from __future__ import annotations

from quote_to_order_process.api.deps import get_work_queue
from quote_to_order_process.domain.models import DeadLetterRead
from trivium.problems import OperatorRoleRequired
from trivium.work_queue.routes import dead_letter_reader, dead_letter_router

router = dead_letter_router(
    queue=get_work_queue,
    read=dead_letter_reader(DeadLetterRead, work_id="orderId"),
    read_model=DeadLetterRead,
    operator_required=OperatorRoleRequired,
    list_description="Orders that failed for good, oldest first, with their last error "
    "(operators only).\nThe order itself (`GET /orders/{orderId}`) shows the step it reached.",
    replay_description="Queue the order again with fresh retries, once its cause is fixed "
    "(operators only); it\ngoes on from the step it reached, so nothing done before is done "
    "twice.",
)
