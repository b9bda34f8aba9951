"""Orders as this API takes, keeps and shows them (camelCase on the wire and in Redis)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from trivium.ids import new_ulid
from trivium.problems import RecordedProblem
from trivium.schemas import ApiModel, ApiRequest, DecimalString, Money

SKU_PATTERN = r"^[A-Za-z0-9._/-]{1,40}$"
RECORD_ID_PATTERN = r"^[A-Za-z0-9]{1,18}$"
MAX_LINES = 200

Sku = Annotated[str, Field(min_length=1, max_length=40, pattern=SKU_PATTERN)]


class OrderLineInput(ApiRequest):
    sku: Sku = Field(description="The ERP material number.", examples=["MAT-0001"])
    quantity: Decimal = Field(max_digits=15, allow_inf_nan=False, examples=["2"])


class OrderCreate(ApiRequest):
    """Either `quoteId` (an accepted Salesforce quote), or a direct order: the account
    (`accountId` or `accountNumber`), `lines` and `purchaseOrderNumber`."""

    quote_id: str | None = Field(default=None, pattern=RECORD_ID_PATTERN)
    account_id: str | None = Field(default=None, pattern=RECORD_ID_PATTERN)
    account_number: str | None = Field(default=None, min_length=1, max_length=40)
    lines: list[OrderLineInput] | None = Field(default=None, max_length=MAX_LINES)
    purchase_order_number: str | None = Field(
        default=None,
        min_length=1,
        max_length=35,
        description="The customer's reference; the ERP order is created once per reference.",
    )
    requested_delivery_date: date | None = None

    @model_validator(mode="after")
    def _one_kind_of_order(self) -> OrderCreate:
        if self.quote_id is not None:
            if self.account_id or self.account_number or self.lines is not None:
                raise ValueError("an order from a quote takes its account and lines from the quote")
            return self
        if (self.account_id is None) == (self.account_number is None):
            raise ValueError("send quoteId, or exactly one of accountId and accountNumber")
        if self.lines is None or self.purchase_order_number is None:
            raise ValueError("a direct order needs lines and purchaseOrderNumber")
        return self


class OrderSource(StrEnum):
    QUOTE = "quote"
    DIRECT = "direct"


class OrderStatus(StrEnum):
    """What a client sees: received, in the ERP (CRM write-back pending), done, refused, or in
    the ERP with a CRM write the CRM refused (an operator finishes it)."""

    ACCEPTED = "accepted"
    IN_ERP = "in_erp"
    COMPLETED = "completed"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs_attention"


class SagaStep(StrEnum):
    """The last step an order has completed; each is saved before the next begins."""

    RECEIVED = "received"
    IDENTIFIED = "identified"
    CHECKED = "checked"
    ERP_CREATED = "erp_created"
    CRM_CREATED = "crm_created"
    COMPLETED = "completed"
    REJECTED = "rejected"
    NEEDS_ATTENTION = "needs_attention"


_STATUS_OF_STEP = {
    SagaStep.RECEIVED: OrderStatus.ACCEPTED,
    SagaStep.IDENTIFIED: OrderStatus.ACCEPTED,
    SagaStep.CHECKED: OrderStatus.ACCEPTED,
    SagaStep.ERP_CREATED: OrderStatus.IN_ERP,
    SagaStep.CRM_CREATED: OrderStatus.IN_ERP,
    SagaStep.COMPLETED: OrderStatus.COMPLETED,
    SagaStep.REJECTED: OrderStatus.FAILED,
    SagaStep.NEEDS_ATTENTION: OrderStatus.NEEDS_ATTENTION,
}
# Nothing runs by itself any more: completed, rejected, or waiting for an operator.
_AT_REST = frozenset({SagaStep.COMPLETED, SagaStep.REJECTED, SagaStep.NEEDS_ATTENTION})


class ErrorInfo(RecordedProblem):
    """A problem as recorded on an order (RFC 9457 members)."""


class OperatorAction(StrEnum):
    """What finishes an order that needs attention (`POST /orders/{orderId}/<action>`)."""

    RETRY_CRM = "retry-crm"


class Attention(ApiModel):
    """Why an order is in the ERP but not in the CRM, and what finishes it."""

    reason: ErrorInfo = Field(description="The CRM's refusal of the order's write.")
    erp_order_number: str = Field(description="The ERP order that exists.")
    actions: list[OperatorAction] = Field(description="What an operator can do to finish it.")
    detail: str = Field(description="The situation and the action, in a sentence for operators.")
    since: datetime


class ProgressStatus(StrEnum):
    """How far the ERP has delivered or billed a sales order."""

    NOT_STARTED = "not_started"
    PARTIAL = "partial"
    COMPLETE = "complete"
    NOT_RELEVANT = "not_relevant"


class RequestedLine(ApiModel):
    """A line as asked for: by a partner (sku, quantity) or on a quote (with its price)."""

    sku: str
    quantity: DecimalString
    quoted_unit_price: DecimalString | None = None
    discount_percent: DecimalString | None = None


class PricedLine(ApiModel):
    """A line as ordered: the price charged per unit (after any quote discount) and its amount."""

    sku: str
    quantity: DecimalString
    unit_price: DecimalString
    net_amount: DecimalString
    quoted_unit_price: DecimalString | None = None
    discount_percent: DecimalString | None = None
    erp_unit_price: DecimalString | None = None


class OrderState(ApiModel):
    """The saga state of one order: what was asked, what was found, what has been done."""

    id: str
    source: OrderSource
    step: SagaStep = SagaStep.RECEIVED
    correlation_id: str | None = None
    # `traceparent` and `tracestate` of the request that created it: its later runs continue
    # that trace.
    trace_context: dict[str, str] | None = None
    created_at: datetime
    updated_at: datetime
    # The CRM system (org) whose records the order names, as it named itself when the order was
    # taken (None: it did not): its quote and purchase order number are claimed in that system.
    crm_system_id: str | None = None
    # The sales rep (CRM username) the order was placed for; they must own the quote's account.
    acting_rep: str | None = None
    quote_id: str | None = None
    account_id: str | None = None
    account_number: str | None = None
    purchase_order_number: str | None = None
    requested_delivery_date: date | None = None
    requested_lines: list[RequestedLine] = []
    customer_id: str | None = None
    opportunity_id: str | None = None
    quote_currency: str | None = None
    currency: str | None = None
    lines: list[PricedLine] = []
    total: DecimalString | None = None
    erp_requested: bool = False
    erp_order_number: str | None = None
    delivery_status: ProgressStatus | None = None
    billing_status: ProgressStatus | None = None
    crm_order_id: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: ErrorInfo | None = None
    failure: ErrorInfo | None = None
    dead_lettered: bool = False
    attention: Attention | None = None
    # Optional CRM order fields left out of the write because the CRM refused them.
    crm_omitted_fields: list[str] = []
    # Operator retries of the CRM write so far: each is a new write with a key of its own.
    crm_retries: int = 0

    @property
    def status(self) -> OrderStatus:
        """The client-facing status of the step reached."""
        return _STATUS_OF_STEP[self.step]

    @property
    def is_finished(self) -> bool:
        """Completed, rejected or waiting for an operator: nothing is left to do by itself."""
        return self.step in _AT_REST

    @property
    def external_reference(self) -> str:
        """The reference the ERP order is created once for: the quote id or the customer PO."""
        reference = self.quote_id or self.purchase_order_number
        if reference is None:
            raise ValueError(f"order {self.id} has neither a quote nor a purchase order number")
        return reference

    def evolve(self, **changes: Any) -> OrderState:
        """A copy with `changes` applied (validated), e.g. `order.evolve(step=...)`."""
        # The fields as they are, not dumped: validation takes the nested models (frozen, already
        # valid) as they are and checks what changes, where a dump and its validation would
        # convert every line and amount there and back at each step of the saga.
        return self.model_validate({**self.__dict__, **changes})


class OrderLineRead(ApiModel):
    sku: str
    quantity: DecimalString
    unit_price: Money
    net_amount: Money
    discount_percent: DecimalString | None = None


class OrderRead(ApiModel):
    """An order and how far it has got."""

    order_id: str
    status: OrderStatus
    step: SagaStep
    source: OrderSource
    quote_id: str | None = None
    account_id: str | None = None
    account_number: str | None = None
    erp_customer_number: str | None = None
    erp_order_number: str | None = None
    delivery_status: ProgressStatus | None = Field(
        default=None,
        description="The ERP's delivery progress of the sales order (null before it exists).",
    )
    billing_status: ProgressStatus | None = Field(
        default=None,
        description="The ERP's billing progress of the sales order (null before it exists).",
    )
    crm_order_id: str | None = None
    purchase_order_number: str | None = None
    requested_delivery_date: date | None = None
    lines: list[OrderLineRead] = []
    total: Money | None = None
    attempts: int = Field(description="Attempts that met an unavailable or refusing system.")
    next_attempt_at: datetime | None = None
    last_error: ErrorInfo | None = None
    failure: ErrorInfo | None = Field(default=None, description="Why the order failed.")
    dead_lettered: bool = Field(
        default=False, description="Parked for an operator after repeated or permanent errors."
    )
    attention: Attention | None = Field(
        default=None,
        description="Present while the order `needs_attention`: the CRM refused its write after "
        "the ERP order was created; the reason and the operator actions that finish it.",
    )
    crm_omitted_fields: list[str] = Field(
        default=[],
        description="Optional fields the CRM refused and the CRM order was written without "
        "(`purchaseOrderNumber`, `quoteStatus`, `opportunityStage`, ...).",
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_state(cls, order: OrderState) -> OrderRead:
        """The client's view of a saga state."""
        currency = order.currency

        def money(amount: Decimal) -> Money:
            return Money(amount=amount, currency=currency or "XXX")

        return cls(
            order_id=order.id,
            status=order.status,
            step=order.step,
            source=order.source,
            quote_id=order.quote_id,
            account_id=order.account_id,
            account_number=order.account_number,
            erp_customer_number=order.customer_id,
            erp_order_number=order.erp_order_number,
            delivery_status=order.delivery_status,
            billing_status=order.billing_status,
            crm_order_id=order.crm_order_id,
            purchase_order_number=order.purchase_order_number,
            requested_delivery_date=order.requested_delivery_date,
            lines=[
                OrderLineRead(
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=money(line.unit_price),
                    net_amount=money(line.net_amount),
                    discount_percent=line.discount_percent,
                )
                for line in order.lines
            ],
            total=money(order.total) if order.total is not None and currency else None,
            attempts=order.attempts,
            next_attempt_at=order.next_attempt_at,
            last_error=order.last_error,
            failure=order.failure,
            dead_lettered=order.dead_lettered,
            attention=order.attention,
            crm_omitted_fields=order.crm_omitted_fields,
            created_at=order.created_at,
            updated_at=order.updated_at,
        )


class DeadLetterRead(ApiModel):
    """An order message that failed for good, with its last error."""

    id: str
    order_id: str | None
    attempts: int
    error_type: str
    error_message: str
    dead_lettered_at: str
    correlation_id: str | None = None


# Orders are named by ULIDs, so that listing them by id lists them by age.
new_order_id = new_ulid
