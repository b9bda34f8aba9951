"""Dead letters: customer requests parked after repeated or permanent failures, and replay."""

from __future__ import annotations

from create_customer_process.api.deps import get_work_queue
from create_customer_process.domain.models import DeadLetterRead
from trivium.problems import OperatorRoleRequired
from trivium.work_queue.routes import dead_letter_reader, dead_letter_router

router = dead_letter_router(
    queue=get_work_queue,
    read=dead_letter_reader(DeadLetterRead, work_id="requestId"),
    read_model=DeadLetterRead,
    operator_required=OperatorRoleRequired,
    list_description="Requests that failed for good, oldest first, with their last error "
    "(operators only).\nThe request itself (`GET /customers/requests/{requestId}`) shows the "
    "step it reached.",
    replay_description="Queue the request again with fresh retries, once its cause is fixed "
    "(operators only); it\ngoes on from the step it reached, so nothing done before is done "
    "twice.",
)
