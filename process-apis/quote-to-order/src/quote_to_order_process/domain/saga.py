"""The steps that turn an accepted quote or a partner order into orders in both systems.

Each step reads what it needs from the saga state and makes one System API call; the check's is
a simulation of the order that answers the ERP's prices, stock and credit check at once. The
state is saved before and after each write; what the check found is saved with the state that
asks for the ERP order (run again after a crash, it only checks again). A step that is run again
after a crash repeats nothing: the ERP order is created once per external reference and the CRM
order, with its quote and opportunity marked, once per idempotency key derived from the order
id."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from quote_to_order_process.adapters.ports import (
    CrmOrderDraft,
    CrmOrderItemDraft,
    CrmPort,
    CrmQuote,
    ErpLineDraft,
    ErpOrderDraft,
    ErpPort,
    OrderLocks,
    OrderMetrics,
    OrderQueue,
    OrderStore,
)
from quote_to_order_process.domain.checks import (
    check_quote_owner,
    linked_account,
    same_user,
    validate_lines,
    validate_quote,
)
from quote_to_order_process.domain.crm_write import (
    CrmWriteFailure,
    classify_crm_failure,
    correctable_fields,
    without_fields,
)
from quote_to_order_process.domain.errors import (
    AccountNotFound,
    DuplicatePurchaseOrder,
    QuoteAlreadyOrdered,
)
from quote_to_order_process.domain.models import (
    Attention,
    ErrorInfo,
    OperatorAction,
    OrderSource,
    OrderState,
    RequestedLine,
    SagaStep,
)
from quote_to_order_process.domain.pricing import (
    check_credit,
    check_stock,
    order_total,
    price_direct_lines,
    price_quote_lines,
    quoted_net_price,
)
from trivium.locks import Held
from trivium.problems import CrmRejected
from trivium.tracing import run_step

log = logging.getLogger(__name__)

ORDER_CREATED = "order.created"
ORDER_FAILED = "order.failed"


@dataclass(frozen=True, slots=True)
class OrderPolicy:
    """The business and retry settings of the flow."""

    price_tolerance_percent: Decimal = Decimal("1.0")
    ordered_quote_status: str | None = None
    ordered_opportunity_stage: str | None = "Closed Won"
    retry_delays: tuple[float, ...] = (1.0, 4.0, 16.0, 60.0)
    # The longest an upstream's Retry-After may stretch one wait; None: the longest retry delay.
    retry_after_cap: float | None = None
    watchdog: timedelta = timedelta(seconds=120)
    busy_recheck: timedelta = timedelta(seconds=20)


@dataclass(frozen=True, slots=True)
class OrderFlow:
    """Everything the saga talks to; built once by the composition root."""

    crm: CrmPort
    erp: ErpPort
    store: OrderStore
    locks: OrderLocks
    queue: OrderQueue
    policy: OrderPolicy
    clock: Callable[[], datetime]
    metrics: OrderMetrics


# Steps whose state is saved together with the next one: what they found is read again, at no
# harm, if the process dies before then.
_SAVED_WITH_NEXT = frozenset({SagaStep.IDENTIFIED, SagaStep.CHECKED, SagaStep.CRM_CREATED})


class SagaRun:
    """One pass of an order through its remaining steps; `order` is the state reached so far
    (saved, unless its step is saved with the next)."""

    def __init__(
        self,
        flow: OrderFlow,
        order: OrderState,
        *,
        held: Held,
        quote: CrmQuote | None = None,
    ) -> None:
        self.flow = flow
        self.order = order
        # The order's lock: every save counts only while it is still this run's.
        self.held = held
        # The quote as read when the order was taken, so that identifying it costs no second read.
        self._quote = quote
        self._steps: dict[SagaStep, tuple[str, Callable[[], Awaitable[OrderState]]]] = {
            SagaStep.RECEIVED: ("identify", self._identify),
            SagaStep.IDENTIFIED: ("check", self._check),
            SagaStep.CHECKED: ("erp_order", self._create_erp_order),
            SagaStep.ERP_CREATED: ("crm_order", self._create_crm_order),
            SagaStep.CRM_CREATED: ("complete", self._complete),
        }

    async def run(self) -> OrderState:
        """Run the remaining steps; raises what a step raised, with `order` saved before it."""
        while not self.order.is_finished:
            name, step = self._steps[self.order.step]
            reached = await run_step(
                name, step, saga="quote-to-order", work_id=self.order.id, metrics=self.flow.metrics
            )
            if reached.step in _SAVED_WITH_NEXT:
                self.order = reached
                continue
            # A completed order is announced in the write that saves it: both or neither.
            event = ORDER_CREATED if reached.step is SagaStep.COMPLETED else None
            await self._save(reached, finished=reached.is_finished, event=event)
        return self.order

    async def _save(
        self, order: OrderState, *, finished: bool = False, event: str | None = None
    ) -> None:
        now = self.flow.clock()
        order = order.evolve(updated_at=now)
        await self.flow.store.save(
            order, wake_at=None if finished else now + self._watchdog, held=self.held, event=event
        )
        self.order = order

    @property
    def _watchdog(self) -> timedelta:
        return self.flow.policy.watchdog

    async def _identify(self) -> OrderState:
        order = self.order
        if order.source is OrderSource.QUOTE:
            return await self._identify_quote(order)
        found = await self.flow.crm.get_account(
            account_id=order.account_id, account_number=order.account_number
        )
        if order.acting_rep is not None and not same_user(found.owner_username, order.acting_rep):
            raise AccountNotFound("No account of yours has this id or account number.")
        account, customer_id = linked_account(found, what="account")
        identified = order.evolve(
            step=SagaStep.IDENTIFIED,
            account_id=account.id,
            account_number=account.account_number,
            customer_id=customer_id,
        )
        holder = await self.flow.store.claim_reference(identified)
        if holder is not None:
            raise DuplicatePurchaseOrder(
                f"The purchase order {order.purchase_order_number} was already ordered.",
                existingOrderId=holder,
            )
        return identified

    async def _identify_quote(self, order: OrderState) -> OrderState:
        assert order.quote_id is not None
        quote = self._quote or await self.flow.crm.get_quote(order.quote_id)
        if order.acting_rep is not None:
            check_quote_owner(quote, quote_id=order.quote_id, rep=order.acting_rep)
        account, customer_id = validate_quote(
            quote,
            today=self.flow.clock().date(),
            ordered_status=self.flow.policy.ordered_quote_status,
        )
        lines = [
            RequestedLine(
                sku=line.sku or "",
                quantity=line.quantity,
                quoted_unit_price=line.unit_price.amount,
                discount_percent=line.discount_percent,
            )
            for line in quote.lines
        ]
        validate_lines(lines)
        currencies = {line.unit_price.currency for line in quote.lines}
        return order.evolve(
            step=SagaStep.IDENTIFIED,
            account_id=account.id,
            account_number=account.account_number,
            customer_id=customer_id,
            opportunity_id=quote.opportunity_id,
            quote_currency=currencies.pop() if len(currencies) == 1 else None,
            requested_lines=lines,
        )

    async def _check(self) -> OrderState:
        order = self.order
        customer_id = order.customer_id
        assert customer_id is not None
        requested = order.requested_lines
        from_quote = order.source is OrderSource.QUOTE
        # The ERP checks credit at the prices the order will have: a quote's, else its own.
        assessment = await self.flow.erp.assess_order(
            customer_id,
            [
                ErpLineDraft(
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=quoted_net_price(line) if from_quote else None,
                )
                for line in requested
            ],
        )
        if from_quote:
            currency, lines = price_quote_lines(
                requested,
                assessment,
                quote_currency=order.quote_currency,
                tolerance_percent=self.flow.policy.price_tolerance_percent,
            )
        else:
            currency, lines = price_direct_lines(requested, assessment)
        total = order_total(lines)
        check_stock(requested, assessment)
        check_credit(assessment, total, currency=currency)
        return order.evolve(step=SagaStep.CHECKED, currency=currency, lines=lines, total=total)

    async def _create_erp_order(self) -> OrderState:
        order = self.order
        asked_before = order.erp_requested
        if not asked_before:
            # Recorded first: an order that exists after this must be ours, not a duplicate.
            await self._save(order.evolve(erp_requested=True))
        assert order.customer_id is not None
        negotiated = order.source is OrderSource.QUOTE
        placement = await self.flow.erp.place_order(
            ErpOrderDraft(
                customer_id=order.customer_id,
                external_reference=order.external_reference,
                lines=[
                    ErpLineDraft(
                        sku=line.sku,
                        quantity=line.quantity,
                        unit_price=line.unit_price if negotiated else None,
                    )
                    for line in order.lines
                ],
                requested_delivery_date=order.requested_delivery_date,
            ),
            idempotency_key=f"{order.id}:erp",
        )
        if not placement.created and not asked_before:
            self._raise_duplicate(placement.order.id)
        log.info(
            "order.erp_created",
            extra={"order_id": order.id, "erp_order": placement.order.id, "new": placement.created},
        )
        return self.order.evolve(
            step=SagaStep.ERP_CREATED,
            erp_order_number=placement.order.id,
            delivery_status=placement.order.delivery_status,
            billing_status=placement.order.billing_status,
        )

    def _raise_duplicate(self, erp_order_number: str) -> None:
        order = self.order
        if order.source is OrderSource.QUOTE:
            raise QuoteAlreadyOrdered(
                f"The ERP already holds order {erp_order_number} for the quote {order.quote_id}.",
                erpOrderNumber=erp_order_number,
            )
        raise DuplicatePurchaseOrder(
            f"The ERP already holds order {erp_order_number} for the purchase order "
            f"{order.purchase_order_number}.",
            erpOrderNumber=erp_order_number,
        )

    async def _create_crm_order(self) -> OrderState:
        order = self.order
        assert order.account_id is not None
        draft = without_fields(self._crm_order_draft(), order.crm_omitted_fields)
        try:
            created = await self.flow.crm.create_order(draft, idempotency_key=crm_write_key(order))
        except CrmRejected as refusal:
            if classify_crm_failure(refusal) is not CrmWriteFailure.REFUSED:
                raise
            # Corrected once at most: a corrected write that is refused again needs a person.
            omitted = None if order.crm_omitted_fields else correctable_fields(draft, refusal)
            if omitted is None:
                return self._needs_attention(refusal)
            log.warning(
                "order.crm_write_corrected",
                extra={
                    "order_id": order.id,
                    "omitted": omitted,
                    "problem": refusal.extensions.get("upstreamType"),
                },
            )
            # Saved first: run again after a crash, the corrected write repeats with its own key.
            await self._save(order.evolve(crm_omitted_fields=omitted))
            return await self._create_crm_order()
        return self.order.evolve(step=SagaStep.CRM_CREATED, crm_order_id=created.id)

    def _crm_order_draft(self) -> CrmOrderDraft:
        order = self.order
        assert order.account_id is not None
        assert order.erp_order_number is not None
        policy = self.flow.policy
        from_quote = order.source is OrderSource.QUOTE
        return CrmOrderDraft(
            account_id=order.account_id,
            effective_date=order.created_at.date(),
            erp_order_number=order.erp_order_number,
            items=[
                CrmOrderItemDraft(sku=line.sku, quantity=line.quantity, unit_price=line.unit_price)
                for line in order.lines
            ],
            quote_id=order.quote_id,
            opportunity_id=order.opportunity_id,
            purchase_order_number=order.purchase_order_number,
            # Marked in the same all-or-nothing CRM write as the order: no call of its own.
            quote_status=policy.ordered_quote_status if from_quote else None,
            opportunity_stage=policy.ordered_opportunity_stage
            if from_quote and order.opportunity_id
            else None,
        )

    def _needs_attention(self, refusal: CrmRejected) -> OrderState:
        order = self.order
        assert order.erp_order_number is not None
        reason = ErrorInfo.from_problem(refusal)
        return order.evolve(
            step=SagaStep.NEEDS_ATTENTION,
            next_attempt_at=None,
            last_error=reason,
            attention=Attention(
                reason=reason,
                erp_order_number=order.erp_order_number,
                actions=[OperatorAction.RETRY_CRM],
                detail=f"The ERP holds order {order.erp_order_number}, the CRM refused the "
                "order's write. Fix the cause in the CRM (the reason names it), then retry the "
                f"CRM write: POST /orders/{order.id}/retry-crm.",
                since=self.flow.clock(),
            ),
        )

    async def _complete(self) -> OrderState:
        return self.order.evolve(
            step=SagaStep.COMPLETED, next_attempt_at=None, last_error=None, dead_lettered=False
        )


def crm_write_key(order: OrderState) -> str:
    """The idempotency key of the order's CRM write: the same for a repeat of one write (a lost
    answer), another for a corrected write and for each operator retry, whose first write the
    CRM refused (a key replays its first answer, a refusal too)."""
    key = f"{order.id}:crm"
    if order.crm_retries:
        key += f":retry-{order.crm_retries}"
    if order.crm_omitted_fields:
        key += ":corrected"
    return key
