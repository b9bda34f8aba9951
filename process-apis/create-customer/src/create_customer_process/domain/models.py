"""Customer requests as this API takes, keeps and shows them (camelCase on the wire, in Redis)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from trivium.ids import new_ulid
from trivium.problems import RecordedProblem
from trivium.schemas import ApiModel, ApiRequest


class AddressInput(ApiRequest):
    street: str = Field(max_length=60, examples=["North First Street"])
    house_number: str | None = Field(default=None, max_length=10, examples=["2100"])
    city: str = Field(max_length=40, examples=["San Jose"])
    postal_code: str = Field(max_length=10, examples=["95110"])
    region: str | None = Field(
        default=None,
        max_length=80,
        description="State or province: its name, its code or its ISO 3166-2 code "
        "(`California`, `CA`, `US-CA`).",
        examples=["California"],
    )
    country: str = Field(
        max_length=60,
        description="ISO 3166 alpha-2 or alpha-3 code, or the country's English name.",
        examples=["US"],
    )


class SalesAreaInput(ApiRequest):
    """Where the ERP customer buys; each part unset takes the configured default."""

    sales_organization: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{1,4}$")
    distribution_channel: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{1,2}$")
    division: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{1,2}$")
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class CustomerCreate(ApiRequest):
    """A new customer, as a sales rep or partner portal knows it."""

    name: str = Field(max_length=200, examples=["Contoso Manufacturing Ltd"])
    address: AddressInput
    phone: str | None = Field(
        default=None, max_length=40, description="Any dialable form; stored as E.164."
    )
    email: str | None = Field(default=None, max_length=241)
    website: str | None = Field(default=None, max_length=255, examples=["www.contoso.example"])
    industry: str | None = Field(
        default=None, max_length=40, description="A Salesforce standard industry."
    )
    vat_id: str | None = Field(
        default=None, max_length=30, description="VAT registration number, country prefixed."
    )
    sales_area: SalesAreaInput | None = None


class OnDuplicate(StrEnum):
    REJECT = "reject"
    LINK = "link"


class NormalizedAddress(ApiModel):
    street: str
    house_number: str | None = None
    city: str
    postal_code: str
    country: str = Field(description="ISO 3166 alpha-2.")
    country_name: str
    region_code: str | None = Field(default=None, description="ISO 3166-2, e.g. `US-CA`.")
    region_name: str | None = None


class NormalizedCustomer(ApiModel):
    """The customer after validation: trimmed, codes resolved, keys for duplicate matching."""

    name: str
    name_key: str
    address: NormalizedAddress
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    website_domain: str | None = None
    industry: str | None = None
    vat_id: str | None = None
    sales_area: SalesAreaInput | None = None


class RequestStatus(StrEnum):
    """What a client sees: still running (or waiting for a system), done, given up, or in both
    systems but not linked because the CRM refused the link (an operator finishes it)."""

    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs_attention"


class SagaStep(StrEnum):
    """The last step a request has completed; each is saved before the next begins."""

    RECEIVED = "received"
    ACCOUNT_READY = "account_ready"
    CUSTOMER_READY = "customer_ready"
    LINKED = "linked"
    COMPLETED = "completed"
    COMPENSATING = "compensating"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs_attention"


_STATUS_OF_STEP = {
    SagaStep.COMPLETED: RequestStatus.COMPLETED,
    SagaStep.FAILED: RequestStatus.FAILED,
    SagaStep.NEEDS_ATTENTION: RequestStatus.NEEDS_ATTENTION,
}
# Nothing runs by itself any more: completed, failed, or waiting for an operator.
_AT_REST = frozenset({SagaStep.COMPLETED, SagaStep.FAILED, SagaStep.NEEDS_ATTENTION})


class ErrorInfo(RecordedProblem):
    """A problem as recorded on a request (RFC 9457 members)."""


class OperatorAction(StrEnum):
    """What finishes a request that needs attention
    (`POST /customers/requests/{requestId}/<action>`)."""

    RETRY_CRM = "retry-crm"


class Attention(ApiModel):
    """Why the ERP customer is not linked to the account, and what finishes it."""

    reason: ErrorInfo = Field(description="The CRM's refusal of the link.")
    erp_customer_number: str = Field(description="The ERP customer that exists.")
    account_id: str = Field(description="The account the link was refused on.")
    actions: list[OperatorAction] = Field(description="What an operator can do to finish it.")
    detail: str = Field(description="The situation and the action, in a sentence for operators.")
    since: datetime


class RequestState(ApiModel):
    """The saga state of one request: the customer, what exists, and what has been done."""

    id: str
    correlation_id: str | None = None
    # `traceparent` and `tracestate` of the request that created it: its later runs continue
    # that trace.
    trace_context: dict[str, str] | None = None
    created_at: datetime
    updated_at: datetime
    on_duplicate: OnDuplicate = OnDuplicate.REJECT
    # The sales rep (CRM username) the request was made for: the new account is theirs.
    acting_rep: str | None = None
    customer: NormalizedCustomer
    step: SagaStep = SagaStep.RECEIVED
    account_id: str | None = None
    account_erp_customer_number: str | None = None
    account_created: bool = False
    erp_customer_number: str | None = None
    erp_external_id: str | None = None
    erp_customer_created: bool = False
    attempts: int = 0
    last_error: ErrorInfo | None = None
    failure: ErrorInfo | None = None
    compensated: bool = False
    dead_lettered: bool = False
    attention: Attention | None = None

    @property
    def status(self) -> RequestStatus:
        return _STATUS_OF_STEP.get(self.step, RequestStatus.PENDING)

    @property
    def is_finished(self) -> bool:
        """Completed, failed or waiting for an operator: nothing is left to do by itself."""
        return self.step in _AT_REST

    @property
    def created_anything(self) -> bool:
        return self.account_created or self.erp_customer_created

    def evolve(self, **changes: Any) -> RequestState:
        """A copy with `changes` applied (validated)."""
        return self.model_validate({**self.model_dump(by_alias=False), **changes})


class CustomerRequestRead(ApiModel):
    """A customer request and how far it has got."""

    request_id: str
    status: RequestStatus
    step: SagaStep
    account_id: str | None = Field(default=None, description="The Salesforce account.")
    erp_customer_number: str | None = Field(default=None, description="The ERP customer.")
    account_created: bool = Field(description="False: an existing account was linked.")
    erp_customer_created: bool = Field(description="False: an existing ERP customer was linked.")
    customer: NormalizedCustomer
    attempts: int = Field(description="Attempts that met an unavailable or refusing system.")
    last_error: ErrorInfo | None = None
    failure: ErrorInfo | None = Field(default=None, description="Why the request failed.")
    compensated: bool = Field(
        default=False, description="What the request had created was removed again."
    )
    dead_lettered: bool = Field(
        default=False, description="Parked for an operator after repeated or permanent errors."
    )
    attention: Attention | None = Field(
        default=None,
        description="Present while the request `needs_attention`: the CRM refused the link "
        "after the ERP customer was created; the reason and the operator actions that finish it.",
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_state(cls, state: RequestState) -> CustomerRequestRead:
        """The client's view of a saga state."""
        return cls(
            request_id=state.id,
            status=state.status,
            step=state.step,
            account_id=state.account_id,
            erp_customer_number=state.erp_customer_number,
            account_created=state.account_created,
            erp_customer_created=state.erp_customer_created,
            customer=state.customer,
            attempts=state.attempts,
            last_error=state.last_error,
            failure=state.failure,
            compensated=state.compensated,
            dead_lettered=state.dead_lettered,
            attention=state.attention,
            created_at=state.created_at,
            updated_at=state.updated_at,
        )


class DuplicateRead(ApiModel):
    """An existing record the new customer matches."""

    system: str = Field(description="`salesforce` or `erp`.")
    id: str
    name: str
    matched_on: list[str] = Field(
        description="`nameAndPostalCode`, `websiteDomain` and/or `vatId`."
    )
    linked_id: str | None = Field(
        default=None, description="The record in the other system it is linked to."
    )


class DeadLetterRead(ApiModel):
    """A request message that failed for good, with its last error."""

    id: str
    request_id: str | None
    attempts: int
    error_type: str
    error_message: str
    dead_lettered_at: str
    correlation_id: str | None = None


# Requests are named by ULIDs, so that listing them by id lists them by age.
new_request_id = new_ulid
