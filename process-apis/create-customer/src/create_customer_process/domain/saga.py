"""The steps that make one customer exist in the CRM and the ERP, linked to each other.

Order: the CRM account first, then the ERP customer carrying the account id as its external id,
then the ERP customer number on the account. Every step after the first can be repeated until it
succeeds without ever making a second record: the ERP creates one customer per external id, and
writing a link twice writes the same link. So once the account exists, the request can always be
finished; only a permanent refusal by the ERP undoes the account this request created, and a CRM
refusal of the link, once the ERP customer exists, leaves the request `needs_attention` for an
operator (never a silent half customer).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from create_customer_process.adapters.ports import (
    AccountDraft,
    CrmPort,
    CustomerDraft,
    CustomerMetrics,
    ErpPort,
    EventPublisher,
    RequestLocks,
    RequestQueue,
    RequestStore,
)
from create_customer_process.domain.crm_write import is_refused_by_crm
from create_customer_process.domain.models import (
    Attention,
    ErrorInfo,
    NormalizedCustomer,
    OperatorAction,
    RequestState,
    SagaStep,
)
from create_customer_process.domain.normalization import erp_region_code
from trivium.locks import Held
from trivium.problems import CrmRejected
from trivium.tracing import run_step

log = logging.getLogger(__name__)

CUSTOMER_CREATED = "customer.created"
CUSTOMER_LINKED = "customer.linked"
CUSTOMER_FAILED = "customer.failed"


@dataclass(frozen=True, slots=True)
class CustomerPolicy:
    """The ERP defaults of new customers, and how long unfinished work may sit unattended."""

    language: str = "EN"
    sales_area: Mapping[str, str] = field(default_factory=dict)
    erp_region_codes: Mapping[str, str] = field(default_factory=dict)
    watchdog: timedelta = timedelta(seconds=300)
    busy_recheck: timedelta = timedelta(seconds=20)
    max_attempts: int = 8


@dataclass(frozen=True, slots=True)
class CustomerFlow:
    """Everything the saga talks to; built once by the composition root."""

    crm: CrmPort
    erp: ErpPort
    store: RequestStore
    locks: RequestLocks
    queue: RequestQueue
    events: EventPublisher
    policy: CustomerPolicy
    clock: Callable[[], datetime]
    metrics: CustomerMetrics


def account_draft(customer: NormalizedCustomer, *, owner: str | None = None) -> AccountDraft:
    """The account as the CRM keeps it: country and state by name, street with its number;
    owned by `owner` (a CRM username) when given, else by the integration user."""
    address = customer.address
    street = " ".join(part for part in (address.street, address.house_number) if part)
    return AccountDraft(
        name=customer.name,
        street=street,
        city=address.city,
        postal_code=address.postal_code,
        country=address.country_name,
        region=address.region_name,
        phone=customer.phone,
        website=customer.website,
        industry=customer.industry,
        owner_username=owner,
    )


def customer_draft(
    customer: NormalizedCustomer, *, account_id: str, policy: CustomerPolicy
) -> CustomerDraft:
    """The ERP customer: country and region as codes, the sales area from request or policy."""
    address = customer.address
    requested = customer.sales_area.model_dump(by_alias=False) if customer.sales_area else {}
    sales_area = {**policy.sales_area, **{k: v for k, v in requested.items() if v}}
    region = (
        erp_region_code(address.region_code, policy.erp_region_codes)
        if address.region_code
        else None
    )
    return CustomerDraft(
        name=customer.name,
        external_id=account_id,
        street=address.street,
        house_number=address.house_number,
        city=address.city,
        postal_code=address.postal_code,
        country=address.country,
        region=region,
        language=policy.language,
        email=customer.email,
        phone=customer.phone,
        website=customer.website,
        vat_id=customer.vat_id,
        sales_area=sales_area or None,
    )


class SagaRun:
    """One pass of a request through its remaining steps; `state` is the state reached so far
    (saved after every step)."""

    def __init__(self, flow: CustomerFlow, state: RequestState, *, held: Held) -> None:
        self.flow = flow
        self.state = state
        # The request's lock: every save counts only while it is still this run's.
        self.held = held
        self._steps: dict[SagaStep, tuple[str, Callable[[], Awaitable[RequestState]]]] = {
            SagaStep.RECEIVED: ("account", self._ensure_account),
            SagaStep.ACCOUNT_READY: ("erp_customer", self._ensure_customer),
            SagaStep.CUSTOMER_READY: ("link", self._link),
            SagaStep.LINKED: ("complete", self._complete),
            SagaStep.COMPENSATING: ("compensate", self._compensate),
        }

    async def run(self) -> RequestState:
        """Run the remaining steps; raises what a step raised, with `state` saved before it."""
        while not self.state.is_finished:
            name, step = self._steps[self.state.step]
            reached = await run_step(
                name, step, saga="create-customer", work_id=self.state.id, metrics=self.flow.metrics
            )
            await self.save(reached)
        return self.state

    async def save(self, state: RequestState) -> None:
        """Save the state with a fresh watchdog wake-up (none once finished)."""
        now = self.flow.clock()
        state = state.evolve(updated_at=now)
        wake_at = None if state.is_finished else now + self.flow.policy.watchdog
        await self.flow.store.save(state, wake_at=wake_at, held=self.held)
        self.state = state

    async def _ensure_account(self) -> RequestState:
        state = self.state
        if state.account_id is not None:
            return state.evolve(step=SagaStep.ACCOUNT_READY)
        draft = account_draft(state.customer, owner=state.acting_rep)
        if state.erp_customer_number is not None:
            # Linking an ERP customer: the upsert by its number creates the account at most once.
            written = await self.flow.crm.upsert_account_for_customer(
                state.erp_customer_number, draft
            )
            return state.evolve(
                step=SagaStep.ACCOUNT_READY,
                account_id=written.record.id,
                account_erp_customer_number=state.erp_customer_number,
                account_created=written.created,
            )
        account = await self.flow.crm.create_account(draft, idempotency_key=f"{state.id}:account")
        log.info("customer.account_created", extra={"request_id": state.id, "account": account.id})
        return state.evolve(
            step=SagaStep.ACCOUNT_READY, account_id=account.id, account_created=True
        )

    async def _ensure_customer(self) -> RequestState:
        state = self.state
        assert state.account_id is not None
        if state.erp_customer_number is not None:
            if state.erp_external_id != state.account_id:
                await self.flow.erp.link_customer(state.erp_customer_number, state.account_id)
            return state.evolve(step=SagaStep.CUSTOMER_READY, erp_external_id=state.account_id)
        written = await self.flow.erp.create_customer(
            customer_draft(state.customer, account_id=state.account_id, policy=self.flow.policy),
            idempotency_key=f"{state.id}:customer",
        )
        log.info(
            "customer.erp_customer_ready",
            extra={"request_id": state.id, "erp_customer": written.record.id},
        )
        return state.evolve(
            step=SagaStep.CUSTOMER_READY,
            erp_customer_number=written.record.id,
            erp_external_id=state.account_id,
            # Only this request knows a brand-new account's id: an ERP customer that already
            # carries it is this request's own, whose first answer was lost.
            erp_customer_created=written.created or state.account_created,
        )

    async def _link(self) -> RequestState:
        state = self.state
        assert state.account_id is not None
        assert state.erp_customer_number is not None
        if state.account_erp_customer_number != state.erp_customer_number:
            try:
                await self.flow.crm.link_account(state.account_id, state.erp_customer_number)
            except CrmRejected as refusal:
                if not is_refused_by_crm(refusal):
                    raise
                return self._needs_attention(refusal)
        return state.evolve(
            step=SagaStep.LINKED,
            account_erp_customer_number=state.erp_customer_number,
            attention=None,
        )

    def _needs_attention(self, refusal: CrmRejected) -> RequestState:
        state = self.state
        assert state.account_id is not None
        assert state.erp_customer_number is not None
        reason = ErrorInfo.from_problem(refusal)
        return state.evolve(
            step=SagaStep.NEEDS_ATTENTION,
            last_error=reason,
            attention=Attention(
                reason=reason,
                erp_customer_number=state.erp_customer_number,
                account_id=state.account_id,
                actions=[OperatorAction.RETRY_CRM],
                detail=f"The ERP holds customer {state.erp_customer_number}, the CRM refused "
                f"its number on the account {state.account_id}. Fix the cause in the CRM (the "
                "reason names it, e.g. restore a deleted account), then retry the link: "
                f"POST /customers/requests/{state.id}/retry-crm.",
                since=self.flow.clock(),
            ),
        )

    async def _complete(self) -> RequestState:
        completed = self.state.evolve(step=SagaStep.COMPLETED, last_error=None, dead_lettered=False)
        event = CUSTOMER_CREATED if completed.created_anything else CUSTOMER_LINKED
        # Published before the state is saved: at least once, never lost to a crash between.
        await self.flow.events.publish(event, completed)
        return completed

    async def _compensate(self) -> RequestState:
        state = self.state
        if state.account_created and state.account_id is not None:
            await self.flow.crm.delete_account(state.account_id)
            self.flow.metrics.compensation("account_deleted")
            log.warning(
                "customer.compensated",
                extra={"request_id": state.id, "account": state.account_id},
            )
        failed = state.evolve(step=SagaStep.FAILED, compensated=state.account_created)
        await self.flow.events.publish(CUSTOMER_FAILED, failed)
        return failed
