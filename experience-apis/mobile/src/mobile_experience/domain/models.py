"""What the mobile app sees: compact rows, the customer 360 and orders (camelCase on the wire)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import Field

from trivium.schemas import ApiModel, ApiRequest, DecimalString, Money


@dataclass(frozen=True, slots=True)
class Rep:
    """The signed-in sales rep, as the gateway vouched for them."""

    username: str
    consumer: str | None = None
    consumer_id: str | None = None
    plan: str | None = None

    def claims(self) -> dict[str, Any]:
        """The identity claims passed down to the process tier."""
        claims = {
            "consumer": self.consumer,
            "consumerId": self.consumer_id,
            "plan": self.plan,
            "salesforceUsername": self.username,
        }
        return {name: value for name, value in claims.items() if value is not None}

    def owns(self, owner_username: str | None) -> bool:
        """True when the rep is the owner (CRM usernames compare without case)."""
        return owner_username is not None and owner_username.casefold() == self.username.casefold()


class AccountSummaryRead(ApiModel):
    """One line of the rep's account list."""

    id: str
    name: str
    account_number: str | None = None
    erp_customer_number: str | None = None
    city: str | None = None
    phone: str | None = None
    industry: str | None = None


SectionStatus = Literal["ok", "unavailable"]
SECTIONS = ("account", "contacts", "opportunities", "orders", "invoices", "credit")


class AccountCard(ApiModel):
    id: str
    name: str
    account_number: str | None = None
    erp_customer_number: str | None = None
    phone: str | None = None
    website: str | None = None
    industry: str | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None


class ContactCard(ApiModel):
    id: str
    name: str
    title: str | None = None
    email: str | None = None
    phone: str | None = None


class OpportunityCard(ApiModel):
    id: str
    name: str
    stage: str
    amount: Money | None = None
    close_date: date | None = None
    probability: DecimalString | None = None


class OrderCard(ApiModel):
    erp_order_number: str
    status: str
    delivery_status: str | None = None
    billing_status: str | None = None
    total: Money | None = None
    created_on: date | None = None
    requested_delivery_date: date | None = None
    reference: str | None = Field(default=None, description="The quote or purchase order.")


class InvoiceCard(ApiModel):
    invoice_number: str
    status: str
    invoice_date: date | None = None
    erp_order_number: str | None = None
    amount: Money = Field(description="Gross amount (net where the ERP gives no gross).")


class CreditCard(ApiModel):
    limit: Money
    exposure: Money
    available: Money
    blocked: bool


ItemT = TypeVar("ItemT")


class AccountSection(ApiModel):
    status: SectionStatus
    data: AccountCard | None = None


class ListSection(ApiModel, Generic[ItemT]):
    status: SectionStatus
    items: list[ItemT] = []


class CreditSection(ApiModel):
    status: SectionStatus
    data: CreditCard | None = Field(
        default=None, description="None when the customer has no ERP credit account or link."
    )


class Customer360Read(ApiModel):
    """Everything a rep needs before a visit; a section whose system is down is `unavailable`."""

    account_id: str
    account: AccountSection
    contacts: ListSection[ContactCard]
    opportunities: ListSection[OpportunityCard]
    orders: ListSection[OrderCard]
    invoices: ListSection[InvoiceCard]
    credit: CreditSection


class OrderLine(ApiModel):
    sku: str
    quantity: DecimalString
    unit_price: Money
    net_amount: Money


class OrderFailure(ApiModel):
    reason: str = Field(description="The rule or fault, e.g. `credit-limit-exceeded`.")
    title: str
    detail: str | None = None


OrderStatus = Literal["accepted", "in_erp", "completed", "failed", "needs_attention"]


class OrderRead(ApiModel):
    """An order placed from a quote, and how far it has got."""

    order_id: str
    status: OrderStatus
    quote_id: str | None = None
    account_id: str | None = None
    erp_order_number: str | None = None
    purchase_order_number: str | None = None
    lines: list[OrderLine] = []
    total: Money | None = None
    failure: OrderFailure | None = None
    notice: str | None = Field(
        default=None,
        description="What the status means for the rep; set on an order that `needs_attention` "
        "(the ERP accepted it, the CRM refused its record and the operations team finishes it).",
        examples=[
            "The ERP accepted the order as 4500001234; its CRM record needs attention from the "
            "operations team. Nothing is needed from you."
        ],
    )
    created_at: datetime
    updated_at: datetime


class CustomerRequestRead(ApiModel):
    """A new customer: the CRM account and ERP customer it has, or the request still running."""

    request_id: str
    status: Literal["pending", "completed", "failed", "needs_attention"]
    account_id: str | None = Field(default=None, description="Open it as an account 360.")
    erp_customer_number: str | None = None
    account_created: bool = Field(description="False: an existing account was linked.")
    erp_customer_created: bool = Field(description="False: an existing ERP customer was linked.")
    notice: str | None = Field(
        default=None,
        description="What the status means for the rep; set on a customer that "
        "`needs_attention` (the ERP customer exists, the CRM refused the link and the "
        "operations team finishes it).",
    )


class CustomerAddress(ApiRequest):
    street: str | None = Field(default=None, max_length=255)
    house_number: str | None = Field(default=None, max_length=10)
    city: str | None = Field(default=None, max_length=40)
    postal_code: str | None = Field(default=None, max_length=20)
    region: str | None = Field(
        default=None, max_length=80, description="Name or code.", examples=["BY", "Bavaria"]
    )
    country: str | None = Field(default=None, max_length=80, examples=["DE", "Germany"])


class CustomerCreate(ApiRequest):
    """A new customer, as a rep captures it on a visit; validated and normalized downstream."""

    name: str = Field(min_length=1, max_length=255)
    address: CustomerAddress | None = None
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=255)
    website: str | None = Field(default=None, max_length=255)
    industry: str | None = Field(default=None, max_length=255)
    vat_id: str | None = Field(default=None, max_length=30)
