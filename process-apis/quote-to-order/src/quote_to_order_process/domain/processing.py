"""Taking orders and driving them: at once for the caller, or later by a worker, exactly once.

Every order that is not finished has a wake-up time in the store (the watchdog while it runs, the
retry time while it waits), so an order whose process died is picked up again by a worker; the
per-order lock keeps two processes from running one order at the same time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from quote_to_order_process.adapters.ports import CrmQuote, HeldReference
from quote_to_order_process.domain.checks import validate_lines
from quote_to_order_process.domain.errors import (
    InternalFailure,
    OrderBusy,
    OrderNotFound,
    OrderNotNeedingAttention,
    OrderRejected,
    QuoteAlreadyOrdered,
)
from quote_to_order_process.domain.models import (
    ErrorInfo,
    OrderCreate,
    OrderSource,
    OrderState,
    RequestedLine,
    SagaStep,
    new_order_id,
)
from quote_to_order_process.domain.ownership import check_rep_may_order
from quote_to_order_process.domain.saga import ORDER_FAILED, OrderFlow, SagaRun
from trivium.correlation import current_correlation_id
from trivium.locks import Held, LeaseLost
from trivium.problems import Problem, UpstreamRejected, UpstreamUnavailable
from trivium.retry_after import problem_retry_after, retry_delay
from trivium.tracing import current_trace_context
from trivium.work_queue.errors import is_transient

log = logging.getLogger(__name__)

# Once the ERP order exists the order cannot be refused any more, only finished.
_REJECTABLE_STEPS = frozenset({SagaStep.RECEIVED, SagaStep.IDENTIFIED, SagaStep.CHECKED})


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # stored and queued, not run yet
    COMPLETED = "completed"
    REJECTED = "rejected"
    RETRY_SCHEDULED = "retry_scheduled"
    HANDED_OFF = "handed_off"  # the caller's attempt met a refusal; a worker takes over
    DEAD_LETTERED = "dead_lettered"
    NEEDS_ATTENTION = "needs_attention"  # in the ERP, refused by the CRM: an operator finishes it
    BUSY = "busy"  # another process holds the order
    SKIPPED = "skipped"  # finished, unknown, or not due yet


@dataclass(frozen=True, slots=True)
class Processed:
    outcome: Outcome
    order: OrderState | None = None
    rejection: OrderRejected | None = None


def new_order(
    request: OrderCreate,
    flow: OrderFlow,
    *,
    crm_system_id: str | None,
    acting_rep: str | None = None,
) -> OrderState:
    """The saga state of a request in the CRM system it names records of; a direct order's
    lines are checked at once."""
    now = flow.clock()
    lines = [RequestedLine(sku=line.sku, quantity=line.quantity) for line in request.lines or []]
    source = OrderSource.QUOTE if request.quote_id else OrderSource.DIRECT
    if source is OrderSource.DIRECT:
        validate_lines(lines)
    return OrderState(
        id=new_order_id(),
        correlation_id=current_correlation_id(),
        trace_context=current_trace_context(),
        source=source,
        created_at=now,
        updated_at=now,
        crm_system_id=crm_system_id,
        acting_rep=acting_rep,
        quote_id=request.quote_id,
        account_id=request.account_id,
        account_number=request.account_number,
        purchase_order_number=request.purchase_order_number,
        requested_delivery_date=request.requested_delivery_date,
        requested_lines=lines,
    )


async def submit_order(
    flow: OrderFlow,
    request: OrderCreate,
    *,
    respond_async: bool,
    rep: str | None = None,
    request_id: str | None = None,
) -> Processed:
    """Store a new order, then run it now or queue it (`respond_async`).

    For a sales rep (`rep`), the quote is read first and the order refused, with nothing kept,
    unless the rep owns its account (QuoteNotFound). Record ids are unique within one CRM system
    only (a sandbox refresh hands them out again), so the order is claimed in the system the CRM
    is now; CrmUnavailable when it cannot say. A repeat of a request (`request_id`) that created
    an order which has not failed goes on with that order: the process that took the first
    request may have died before it kept its answer."""
    quote = None
    if rep is not None and request.quote_id is not None:
        quote = await check_rep_may_order(flow, request.quote_id, rep=rep)
    system_id = await flow.crm.get_system_id()
    order = new_order(request, flow, crm_system_id=system_id, acting_rep=rep)
    held = await flow.store.create(
        order, wake_at=flow.clock() + flow.policy.watchdog, request_id=request_id
    )
    if held is not None and held.reference is HeldReference.REQUEST:
        log.info("order.request_repeated", extra={"order_id": held.order_id})
        return await _continue_order(flow, held.order_id, respond_async=respond_async)
    if held is not None:
        raise QuoteAlreadyOrdered(
            f"The quote {request.quote_id} is ordered by order {held.order_id}.",
            existingOrderId=held.order_id,
        )
    log.info("order.received", extra={"order_id": order.id, "source": order.source.value})
    if respond_async:
        await flow.queue.enqueue(order.id, correlation_id=order.correlation_id)
        return Processed(Outcome.ACCEPTED, order)
    processed = await process_order(flow, order.id, from_queue=False, quote=quote)
    if processed.order is None:  # another process took it first: it is theirs to finish
        return Processed(processed.outcome, order)
    return processed


async def _continue_order(flow: OrderFlow, order_id: str, *, respond_async: bool) -> Processed:
    """The answer to a repeated request: its order as it stands, run on now if it is due."""
    if not respond_async:
        processed = await process_order(flow, order_id, from_queue=False)
        if processed.order is not None and processed.outcome is not Outcome.SKIPPED:
            return processed
    order = await flow.store.get(order_id)
    if order is None:
        raise OrderNotFound(f"No order has the id {order_id!r}.")
    if order.step is SagaStep.COMPLETED:
        return Processed(Outcome.COMPLETED, order)
    return Processed(Outcome.ACCEPTED, order)


async def process_order(
    flow: OrderFlow, order_id: str, *, from_queue: bool, quote: CrmQuote | None = None
) -> Processed:
    """Run the order's remaining steps under its lock (`quote`: as read when it was taken).

    From the queue, an order whose retries are used up or that met a refusal is dead-lettered;
    a caller's own attempt hands such an order to the workers instead.
    """
    async with flow.locks.hold(order_id) as taken:
        if not taken:
            # The holder may die with it: look again once its lock would have expired.
            await flow.store.wake_later(order_id, flow.clock() + flow.policy.busy_recheck)
            return Processed(Outcome.BUSY)
        held, order = taken.lock, taken.order
        if order is None or order.is_finished:
            await flow.store.cancel_wake_up(order_id)
            return Processed(Outcome.SKIPPED, order)
        if order.dead_lettered:
            # Only an operator's replay delivers a dead-lettered order again: start afresh.
            order = order.evolve(dead_lettered=False, attempts=0, next_attempt_at=None)
        elif order.next_attempt_at is not None and order.next_attempt_at > flow.clock():
            return Processed(Outcome.SKIPPED, order)
        run = SagaRun(flow, order, held=held, quote=quote)
        try:
            return await _advance(flow, run, from_queue=from_queue)
        except LeaseLost:
            # This process stalled past the lock's lease: the order is another's to finish,
            # and nothing this run would have saved over its state was saved.
            log.warning("order.lease_lost", extra={"order_id": order_id, "step": run.order.step})
            return Processed(Outcome.BUSY)


async def _advance(flow: OrderFlow, run: SagaRun, *, from_queue: bool) -> Processed:
    held = run.held
    try:
        completed = await run.run()
    except LeaseLost:
        raise
    except OrderRejected as rejection:
        if run.order.step in _REJECTABLE_STEPS:
            return await _reject(flow, run.order, rejection, held=held)
        return await _fail(
            flow, run.order, rejection, from_queue=from_queue, transient=False, held=held
        )
    except UpstreamUnavailable as error:
        return await _fail(flow, run.order, error, from_queue=from_queue, transient=True, held=held)
    except UpstreamRejected as error:
        return await _fail(
            flow, run.order, error, from_queue=from_queue, transient=False, held=held
        )
    except Exception as error:
        if not from_queue:
            raise  # a bug answers 500; the order keeps its wake-up and a worker parks it
        if is_transient(error):
            raise  # Redis was away: the queue delivers the order again, it is not parked
        log.exception("order.internal_error", extra={"order_id": run.order.id})
        failure = InternalFailure("An internal error stopped the order; see the service's logs.")
        return await _fail(flow, run.order, failure, from_queue=True, transient=False, held=held)
    if completed.step is SagaStep.NEEDS_ATTENTION:
        return _needs_attention(flow, completed)
    flow.metrics.order_outcome(completed.source.value, "completed")
    log.info(
        "order.completed",
        extra={"order_id": completed.id, "erp_order": completed.erp_order_number},
    )
    return Processed(Outcome.COMPLETED, completed)


async def retry_crm_write(flow: OrderFlow, order_id: str) -> Processed:
    """An operator's retry of the CRM write of an order that needs attention (its cause fixed in
    the CRM): the full write again, corrected once more if the CRM refuses an optional field."""
    async with flow.locks.hold(order_id) as taken:
        if not taken:
            raise OrderBusy(f"The order {order_id} is being processed; try again shortly.")
        held, order = taken.lock, taken.order
        if order is None:
            raise OrderNotFound(f"No order has the id {order_id!r}.")
        if order.step is not SagaStep.NEEDS_ATTENTION:
            raise OrderNotNeedingAttention(
                f"The order {order_id} is {order.status.value}; only an order that needs "
                "attention has its CRM write retried.",
                orderStatus=order.status.value,
            )
        now = flow.clock()
        resumed = order.evolve(
            step=SagaStep.ERP_CREATED,
            attention=None,
            crm_omitted_fields=[],
            crm_retries=order.crm_retries + 1,
            attempts=0,
            next_attempt_at=None,
            updated_at=now,
        )
        try:
            # Saved with a wake-up first: a process that dies in the write leaves it to a worker.
            await flow.store.save(resumed, wake_at=now + flow.policy.watchdog, held=held)
            log.info("order.crm_retry", extra={"order_id": order_id, "retry": resumed.crm_retries})
            return await _advance(flow, SagaRun(flow, resumed, held=held), from_queue=False)
        except LeaseLost as lost:
            raise OrderBusy(
                f"The order {order_id} is being processed; try again shortly."
            ) from lost


def _needs_attention(flow: OrderFlow, order: OrderState) -> Processed:
    flow.metrics.order_outcome(order.source.value, "needs_attention")
    error = order.last_error
    log.error(
        "order.needs_attention",
        extra={
            "order_id": order.id,
            "erp_order": order.erp_order_number,
            "problem": error.type.rsplit("/", 1)[-1] if error else None,
        },
    )
    return Processed(Outcome.NEEDS_ATTENTION, order)


async def _reject(
    flow: OrderFlow, order: OrderState, rejection: OrderRejected, *, held: Held
) -> Processed:
    failed = order.evolve(
        step=SagaStep.REJECTED,
        failure=ErrorInfo.from_problem(rejection),
        next_attempt_at=None,
        updated_at=flow.clock(),
    )
    await flow.store.save(failed, wake_at=None, held=held, event=ORDER_FAILED)
    rejection.extensions.setdefault("orderId", failed.id)
    flow.metrics.order_outcome(failed.source.value, "rejected")
    log.info("order.rejected", extra={"order_id": failed.id, "problem": rejection.slug})
    return Processed(Outcome.REJECTED, failed, rejection)


async def _fail(
    flow: OrderFlow,
    order: OrderState,
    error: Problem,
    *,
    from_queue: bool,
    transient: bool,
    held: Held,
) -> Processed:
    now = flow.clock()
    attempts = order.attempts + 1
    delays = flow.policy.retry_delays
    failed = order.evolve(attempts=attempts, last_error=ErrorInfo.from_problem(error))
    if from_queue and (not transient or attempts > len(delays)):
        parked = failed.evolve(dead_lettered=True, next_attempt_at=None, updated_at=now)
        await flow.store.save(parked, wake_at=None, held=held)
        flow.metrics.order_outcome(order.source.value, "dead_lettered")
        log.error(
            "order.dead_lettered",
            extra={"order_id": order.id, "step": order.step.value, "problem": error.slug},
        )
        return Processed(Outcome.DEAD_LETTERED, parked)
    if not transient:
        # The caller's attempt: a worker tries once more and parks it if it is refused again.
        handed_off = failed.evolve(next_attempt_at=None, updated_at=now)
        await flow.store.save(handed_off, wake_at=now, held=held)
        return Processed(Outcome.HANDED_OFF, failed)
    # Not sooner than the upstream said it can succeed: an earlier attempt only spends a retry.
    asked = problem_retry_after(error, now=now)
    cap = flow.policy.retry_after_cap or max(delays)
    delay = retry_delay(delays[min(attempts, len(delays)) - 1], asked=asked, cap=cap)
    wake_at = now + timedelta(seconds=delay)
    waiting = failed.evolve(next_attempt_at=wake_at, updated_at=now)
    await flow.store.save(waiting, wake_at=wake_at, held=held)
    flow.metrics.order_outcome(order.source.value, "retry_scheduled")
    log.warning(
        "order.retry_scheduled",
        extra={
            "order_id": order.id,
            "step": order.step.value,
            "attempt": attempts,
            "problem": error.slug,
            "retry_at": wake_at.isoformat(),
        },
    )
    return Processed(Outcome.RETRY_SCHEDULED, waiting)
