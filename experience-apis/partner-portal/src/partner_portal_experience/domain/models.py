"""The partner portal's public bodies (camelCase on the wire, DESIGN.md "Public surface")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from trivium.ids import ULID_PATTERN
from trivium.schemas import ApiModel, ApiRequest, DecimalString, Money

SKU_PATTERN = r"^[A-Za-z0-9._/-]{1,40}$"
ORDER_ID_PATTERN = ULID_PATTERN
MAX_LINES = 200

Sku = Annotated[str, Field(min_length=1, max_length=40, pattern=SKU_PATTERN)]


class Address(ApiModel):
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None


class CreditRead(ApiModel):
    """The partner's credit in the ERP; the amounts are null unless `status` is `ok`."""

    status: Literal["ok", "unavailable", "none"] = Field(
        description="`ok`; `none` when no credit account exists; `unavailable` when the ERP "
        "cannot be asked right now."
    )
    limit: Money | None = None
    exposure: Money | None = None
    available: Money | None = Field(default=None, description="Negative when over the limit.")
    blocked: bool | None = None


class PartnerAccountRead(ApiModel):
    """The partner's own account: CRM data and ERP credit."""

    account_number: str
    name: str
    customer_number: str | None = Field(default=None, description="The ERP customer number.")
    phone: str | None = None
    website: str | None = None
    billing_address: Address | None = None
    credit: CreditRead


class AvailabilityStatus(StrEnum):
    IN_STOCK = "in_stock"
    LOW = "low"
    OUT_OF_STOCK = "out_of_stock"
    UNKNOWN = "unknown"


class Availability(ApiModel):
    quantity: DecimalString | None = Field(
        default=None, description="Unrestricted stock; null when the ERP cannot tell right now."
    )
    status: AvailabilityStatus


class CatalogItemRead(ApiModel):
    """A product the partner can order, at the partner's own ERP price."""

    sku: str
    name: str
    description: str | None = None
    family: str | None = None
    unit_price: Money | None = Field(
        default=None, description="The partner's price per unit; null when the ERP has none."
    )
    availability: Availability


class OrderLineCreate(ApiRequest):
    sku: Sku = Field(examples=["MAT-0001"])
    quantity: Decimal = Field(gt=0, max_digits=15, decimal_places=3, examples=["2"])


class PartnerOrderCreate(ApiRequest):
    """An order on the partner's own account (the account comes from the API key)."""

    purchase_order_number: str = Field(
        min_length=1,
        max_length=35,
        pattern=r"^[^\x00-\x1f]+$",
        description="The partner's reference; one order per reference.",
        examples=["PO-2025-0042"],
    )
    lines: list[OrderLineCreate] = Field(min_length=1, max_length=MAX_LINES)
    requested_delivery_date: date | None = None


class OrderStatus(StrEnum):
    """`needs_attention`: the ERP accepted the order and our team finishes its CRM record."""

    ACCEPTED = "accepted"
    IN_ERP = "in_erp"
    COMPLETED = "completed"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs_attention"


ProgressStatus = Literal["not_started", "partial", "complete", "not_relevant"]


class OrderLineRead(ApiModel):
    sku: str
    quantity: DecimalString
    unit_price: Money
    net_amount: Money


class FailureRead(ApiModel):
    """Why an order failed: the rule's stable `type`, its title and the detail."""

    type: str
    title: str
    detail: str | None = None


class PartnerOrderRead(ApiModel):
    """An order and how far it has got; `failure` only on a failed order."""

    order_id: str
    status: OrderStatus
    erp_order_number: str | None = None
    purchase_order_number: str | None = None
    lines: list[OrderLineRead] = Field(
        default=[], description="Priced lines; empty until the ERP has priced the order."
    )
    total: Money | None = None
    delivery_status: ProgressStatus | None = Field(
        default=None, description="From the ERP once the order is there; null otherwise."
    )
    billing_status: ProgressStatus | None = None
    failure: FailureRead | None = Field(
        default=None,
        exclude_if=lambda failure: failure is None,
        description="Why the order failed; present only on a failed order.",
    )
    notice: str | None = Field(
        default=None,
        exclude_if=lambda notice: notice is None,
        description="What the status means for the partner; present only on an order that "
        "`needs_attention`.",
        examples=[
            "Your order was accepted by the ERP as 4500001234; the CRM record needs attention "
            "from our team. Nothing is needed from you."
        ],
    )
