"""Taking customer requests and driving them: at once for the caller, or later by a worker.

Every unfinished request has a wake-up time in the store (a watchdog while it runs), so a
request whose process died is queued again; the per-request lock keeps two processes from
running one request at the same time.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import StrEnum

from create_customer_process.adapters.ports import CrmAccount, ErpCustomer
from create_customer_process.domain.duplicates import (
    Duplicates,
    Links,
    choose_links,
    claim_keys,
    find_duplicates,
)
from create_customer_process.domain.errors import (
    CreationInProgress,
    CustomerRejected,
    DuplicateCustomer,
    InternalFailure,
    RequestBusy,
    RequestNotFound,
    RequestNotNeedingAttention,
)
from create_customer_process.domain.models import (
    CustomerCreate,
    ErrorInfo,
    NormalizedCustomer,
    OnDuplicate,
    RequestState,
    RequestStatus,
    SagaStep,
    new_request_id,
)
from create_customer_process.domain.normalization import normalize_customer
from create_customer_process.domain.ownership import (
    not_yours,
    owned_by,
    same_user,
    visible_to_rep,
)
from create_customer_process.domain.saga import CustomerFlow, SagaRun
from trivium.correlation import current_correlation_id
from trivium.locks import LeaseLost
from trivium.problems import Problem, UpstreamRejected, UpstreamUnavailable
from trivium.tracing import current_trace_context
from trivium.work_queue.errors import is_transient

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"  # nothing of it is left in either system
    ACCEPTED = "accepted"  # handed to the workers
    RETRY_SCHEDULED = "retry_scheduled"
    DEAD_LETTERED = "dead_lettered"
    NEEDS_ATTENTION = "needs_attention"  # in both systems, link refused: an operator finishes it
    BUSY = "busy"  # another process holds the request
    SKIPPED = "skipped"  # finished or unknown


@dataclass(frozen=True, slots=True)
class Processed:
    outcome: Outcome
    state: RequestState | None = None
    problem: Problem | None = None


async def submit_customer(
    flow: CustomerFlow,
    request: CustomerCreate,
    *,
    on_duplicate: OnDuplicate,
    rep: str | None = None,
) -> Processed:
    """Validate, check both systems for the customer, then create or link it now. For a sales
    rep (`rep`), only the records they own are named or linked (any other match is
    DuplicateOfAnotherOwner), and a new account is theirs."""
    customer = normalize_customer(request, erp_region_codes=flow.policy.erp_region_codes)
    started = time.perf_counter()
    try:
        duplicates = await find_duplicates(flow.crm, flow.erp, customer)
    finally:
        flow.metrics.step_duration("duplicate_check", time.perf_counter() - started)
    links = Links()
    if duplicates.found:
        _count(flow, duplicates)
        if rep is not None:
            duplicates, hidden = await visible_to_rep(flow.crm, duplicates, rep=rep)
            if hidden:
                flow.metrics.request_outcome("duplicate")
                raise not_yours(duplicates)
        if on_duplicate is OnDuplicate.REJECT:
            flow.metrics.request_outcome("duplicate")
            raise _duplicate_problem(duplicates)
        links = await choose_links(flow.crm, flow.erp, duplicates)
    state = _new_state(flow, customer, on_duplicate=on_duplicate, links=links, rep=rep)
    claims = claim_keys(customer)
    holder = await flow.store.create(
        state, claims=claims, wake_at=flow.clock() + flow.policy.watchdog
    )
    if holder is not None:
        links = await _claimed_by(flow, holder, on_duplicate=on_duplicate, rep=rep)
        state = _new_state(flow, customer, on_duplicate=on_duplicate, links=links, rep=rep)
        await flow.store.create(state, claims=(), wake_at=flow.clock() + flow.policy.watchdog)
    log.info("customer.received", extra={"request_id": state.id, "link": links.account is not None})
    processed = await process_request(flow, state.id, attempt=None)
    if processed.state is None:  # a worker took it first: it is theirs to finish
        return Processed(Outcome.ACCEPTED, state)
    return processed


def _count(flow: CustomerFlow, duplicates: Duplicates) -> None:
    for read in duplicates.reads():
        for criterion in read.matched_on:
            flow.metrics.duplicate_found(read.system, criterion)


def _duplicate_problem(duplicates: Duplicates) -> DuplicateCustomer:
    reads = duplicates.reads()
    return DuplicateCustomer(
        "The customer exists already; send onDuplicate=link to link to it instead.",
        duplicates=[read.model_dump(mode="json") for read in reads],
        accountIds=[a.id for a, _ in duplicates.accounts],
        erpCustomerNumbers=[c.id for c, _ in duplicates.customers],
    )


async def _claimed_by(
    flow: CustomerFlow, holder: str, *, on_duplicate: OnDuplicate, rep: str | None
) -> Links:
    """The records of the request that holds this customer's claims, to link to; a problem when
    it is still running, when duplicates are refused, or when a rep may not see them."""
    held = await flow.store.get(holder)
    theirs = rep is None or (held is not None and same_user(held.acting_rep, rep))
    if held is None or held.status is not RequestStatus.COMPLETED:
        if not theirs:
            raise CreationInProgress(
                "Another request is creating a customer with these details; try again shortly."
            )
        raise CreationInProgress(
            f"Request {holder} is creating this customer; follow it instead.",
            requestId=holder,
            headers={"Location": f"/customers/requests/{holder}"},
        )
    assert held.account_id is not None
    assert held.erp_customer_number is not None
    if rep is not None and not owned_by(await flow.crm.get_account(held.account_id), rep):
        flow.metrics.request_outcome("duplicate")
        raise not_yours(Duplicates())
    if on_duplicate is OnDuplicate.REJECT:
        flow.metrics.request_outcome("duplicate")
        raise DuplicateCustomer(
            f"Request {holder} created this customer; send onDuplicate=link to link to it.",
            requestId=holder,
            accountIds=[held.account_id],
            erpCustomerNumbers=[held.erp_customer_number],
        )
    return Links(
        account=CrmAccount(
            id=held.account_id,
            name=held.customer.name,
            erp_customer_number=held.erp_customer_number,
        ),
        customer=ErpCustomer(
            id=held.erp_customer_number, name=held.customer.name, external_id=held.account_id
        ),
    )


def _new_state(
    flow: CustomerFlow,
    customer: NormalizedCustomer,
    *,
    on_duplicate: OnDuplicate,
    links: Links,
    rep: str | None,
) -> RequestState:
    now = flow.clock()
    account, existing = links.account, links.customer
    return RequestState(
        id=new_request_id(),
        correlation_id=current_correlation_id(),
        trace_context=current_trace_context(),
        created_at=now,
        updated_at=now,
        on_duplicate=on_duplicate,
        acting_rep=rep,
        customer=customer,
        account_id=account.id if account else None,
        account_erp_customer_number=account.erp_customer_number if account else None,
        erp_customer_number=existing.id if existing else None,
        erp_external_id=existing.external_id if existing else None,
    )


async def process_request(flow: CustomerFlow, request_id: str, *, attempt: int | None) -> Processed:
    """Run the request's remaining steps under its lock. `attempt` is the queue delivery's
    attempt (None: the caller's own run, which hands trouble to the workers)."""
    async with flow.locks.hold(request_id) as held:
        if not held:
            return Processed(Outcome.BUSY)
        state = await flow.store.get(request_id)
        if state is None or state.is_finished:
            return Processed(Outcome.SKIPPED, state)
        if state.dead_lettered:
            # Only an operator's replay delivers a dead-lettered request again: start afresh.
            state = state.evolve(dead_lettered=False, attempts=0)
        run = SagaRun(flow, state, held=held)
        try:
            return await _advance(flow, run, attempt=attempt)
        except LeaseLost:
            # This process stalled past the lock's lease: the request is another's to finish,
            # and nothing this run would have saved over its state was saved.
            log.warning(
                "customer.lease_lost", extra={"request_id": request_id, "step": run.state.step}
            )
            return Processed(Outcome.BUSY)


async def _advance(flow: CustomerFlow, run: SagaRun, *, attempt: int | None) -> Processed:
    try:
        done = await run.run()
    except LeaseLost:
        raise
    except UpstreamUnavailable as error:
        return await _retry_later(flow, run, error, attempt=attempt)
    except (UpstreamRejected, CustomerRejected) as error:
        return await _refused(flow, run, error, attempt=attempt)
    except Exception as error:
        if attempt is None:
            raise  # a bug answers 500; the watchdog hands the request to a worker
        if is_transient(error):
            raise  # Redis was away: the queue delivers the request again, it is not parked
        log.exception("customer.internal_error", extra={"request_id": run.state.id})
        failure = InternalFailure("An internal error stopped the request; see the logs.")
        return await _park(flow, run, failure)
    return await _finished(flow, done, problem=None)


async def _finished(
    flow: CustomerFlow, state: RequestState, *, problem: Problem | None
) -> Processed:
    if state.step is SagaStep.FAILED:
        await flow.store.release_claims(state.id, claim_keys(state.customer))
        flow.metrics.request_outcome("failed")
        return Processed(Outcome.FAILED, state, problem)
    if state.step is SagaStep.NEEDS_ATTENTION:
        flow.metrics.request_outcome("needs_attention")
        error = state.last_error
        log.error(
            "customer.needs_attention",
            extra={
                "request_id": state.id,
                "account": state.account_id,
                "erp_customer": state.erp_customer_number,
                "problem": error.type.rsplit("/", 1)[-1] if error else None,
            },
        )
        return Processed(Outcome.NEEDS_ATTENTION, state)
    flow.metrics.request_outcome("created" if state.created_anything else "linked")
    log.info(
        "customer.completed",
        extra={
            "request_id": state.id,
            "account": state.account_id,
            "erp_customer": state.erp_customer_number,
        },
    )
    return Processed(Outcome.COMPLETED, state)


async def retry_crm_link(flow: CustomerFlow, request_id: str) -> Processed:
    """An operator's retry of the link of a request that needs attention (its cause fixed in
    the CRM): the ERP customer number written on the account again."""
    async with flow.locks.hold(request_id) as held:
        if not held:
            raise RequestBusy(f"The request {request_id} is being processed; try again shortly.")
        state = await flow.store.get(request_id)
        if state is None:
            raise RequestNotFound(f"No customer request has the id {request_id!r}.")
        if state.step is not SagaStep.NEEDS_ATTENTION:
            raise RequestNotNeedingAttention(
                f"The request {request_id} is {state.status.value}; only a request that needs "
                "attention has its link retried.",
                requestStatus=state.status.value,
            )
        run = SagaRun(flow, state, held=held)
        try:
            # Saved with a watchdog first: a process that dies in the write leaves it to a worker.
            await run.save(state.evolve(step=SagaStep.CUSTOMER_READY, attention=None, attempts=0))
            log.info("customer.crm_retry", extra={"request_id": request_id})
            return await _advance(flow, run, attempt=None)
        except LeaseLost as lost:
            raise RequestBusy(
                f"The request {request_id} is being processed; try again shortly."
            ) from lost


async def _retry_later(
    flow: CustomerFlow, run: SagaRun, error: UpstreamUnavailable, *, attempt: int | None
) -> Processed:
    failed = run.state.evolve(
        attempts=run.state.attempts + 1, last_error=ErrorInfo.from_problem(error)
    )
    log.warning(
        "customer.step_unavailable",
        extra={"request_id": failed.id, "step": failed.step.value, "problem": error.slug},
    )
    if attempt is not None and attempt >= flow.policy.max_attempts:
        return await _park(flow, run, error)
    await run.save(failed)
    if attempt is None:
        await flow.queue.enqueue(failed.id, correlation_id=failed.correlation_id)
        flow.metrics.request_outcome("accepted")
        return Processed(Outcome.ACCEPTED, run.state, error)
    flow.metrics.request_outcome("retry_scheduled")
    return Processed(Outcome.RETRY_SCHEDULED, run.state, error)


async def _refused(
    flow: CustomerFlow, run: SagaRun, error: Problem, *, attempt: int | None
) -> Processed:
    state = run.state
    failure = ErrorInfo.from_problem(error)
    if state.step is SagaStep.RECEIVED or (
        state.step is SagaStep.ACCOUNT_READY and not state.account_created
    ):
        # Nothing of this request exists anywhere: it simply failed.
        await run.save(state.evolve(step=SagaStep.COMPENSATING, failure=failure))
    elif state.step is SagaStep.ACCOUNT_READY:
        log.warning("customer.compensating", extra={"request_id": state.id, "problem": error.slug})
        await run.save(state.evolve(step=SagaStep.COMPENSATING, failure=failure))
    elif attempt is None:
        # Both records exist; a worker tries once more, then parks it for an operator.
        await run.save(state.evolve(attempts=state.attempts + 1, last_error=failure))
        await flow.queue.enqueue(state.id, correlation_id=state.correlation_id)
        flow.metrics.request_outcome("accepted")
        return Processed(Outcome.ACCEPTED, run.state, error)
    else:
        return await _park(flow, run, error)
    try:
        done = await run.run()
    except UpstreamUnavailable as unavailable:
        return await _retry_later(flow, run, unavailable, attempt=attempt)
    except (UpstreamRejected, CustomerRejected) as refusal:
        return await _park(flow, run, refusal)
    return await _finished(flow, done, problem=error)


async def _park(flow: CustomerFlow, run: SagaRun, error: Problem) -> Processed:
    parked = run.state.evolve(
        attempts=run.state.attempts + 1,
        last_error=ErrorInfo.from_problem(error),
        dead_lettered=True,
        updated_at=flow.clock(),
    )
    await flow.store.save(parked, wake_at=None, held=run.held)
    run.state = parked
    flow.metrics.request_outcome("dead_lettered")
    log.error(
        "customer.dead_lettered",
        extra={"request_id": parked.id, "step": parked.step.value, "problem": error.slug},
    )
    return Processed(Outcome.DEAD_LETTERED, parked, error)
