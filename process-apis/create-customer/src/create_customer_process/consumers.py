"""The worker pool: consumers of the request work queue, and the loop that wakes due requests.

Requests reach the queue when a system was unavailable to the caller's own run, and from the
wake-up set: requests whose process died mid-way (the watchdog). A request that meets an
unavailable system again is retried by the queue with backoff, never sooner than the system's
`Retry-After` asks (up to the longest backoff); one that runs out of attempts or is refused is
dead-lettered for an operator.
"""

from __future__ import annotations

from create_customer_process.domain.processing import Outcome, process_request
from create_customer_process.domain.saga import CustomerFlow
from trivium.retry_after import problem_retry_after
from trivium.work_queue import Message, PermanentFailure, RetryLater
from trivium.work_queue.saga_worker import SagaWorker


class RequestWorker(SagaWorker[CustomerFlow]):
    """The consumers and wake-up loop of requests (see `SagaWorker`)."""

    woken_event = "customers.woken"
    poll_seconds = 1.0
    name = "create-customer"
    id_field = "requestId"
    saga_noun = "request"

    async def run_saga(self, request_id: str, message: Message) -> None:
        """Run the request; raise for the queue to retry or dead-letter it."""
        processed = await process_request(self.flow, request_id, attempt=message.attempt)
        error = processed.problem
        reason = f"{error.slug}: {error.detail}" if error else "no error recorded"
        if processed.outcome is Outcome.RETRY_SCHEDULED:
            # Not sooner than the system said it can answer: an earlier attempt only spends one.
            wait = problem_retry_after(error, now=self.flow.clock()) if error else None
            raise RetryLater(f"request {request_id}: {reason}", after_seconds=wait)
        if processed.outcome is Outcome.DEAD_LETTERED:
            step = processed.state.step.value if processed.state else "unknown"
            raise PermanentFailure(f"request {request_id} parked at step {step}; {reason}")
