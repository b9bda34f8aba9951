"""The CRM resources this API serves, in Trivium's words (camelCase on the wire)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from trivium.schemas import ApiModel, ApiRequest, Money

ShortText = Field(default=None, max_length=255)


class Address(ApiModel):
    """A postal address; `country` and `region` as the CRM stores them."""

    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None


class AddressInput(ApiRequest):
    street: str | None = Field(default=None, max_length=255)
    city: str | None = Field(default=None, max_length=40)
    postal_code: str | None = Field(default=None, max_length=20)
    region: str | None = Field(default=None, max_length=80)
    country: str | None = Field(default=None, max_length=80)


class AccountRead(ApiModel):
    id: str
    name: str
    account_number: str | None = None
    erp_customer_number: str | None = None
    phone: str | None = None
    website: str | None = None
    industry: str | None = None
    billing_address: Address | None = None
    owner_id: str | None = None
    owner_username: str | None = Field(
        default=None,
        description="The CRM username of the account's owner (on reads, searches and creates).",
    )
    last_modified_at: datetime | None = None


class AccountCreate(ApiRequest):
    name: str = Field(min_length=1, max_length=255)
    account_number: str | None = Field(default=None, max_length=40)
    erp_customer_number: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=40)
    website: str | None = Field(default=None, max_length=255)
    industry: str | None = Field(default=None, max_length=255)
    billing_address: AddressInput | None = None
    owner_id: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")
    owner_username: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        description="Make the active CRM user with this username the owner (instead of "
        "`ownerId`); a username no active user has is a 422.",
    )

    @model_validator(mode="after")
    def _one_owner(self) -> AccountCreate:
        if self.owner_id is not None and self.owner_username is not None:
            raise ValueError("give ownerId or ownerUsername, not both")
        return self


class AccountUpdate(ApiRequest):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    account_number: str | None = Field(default=None, max_length=40)
    erp_customer_number: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=40)
    website: str | None = Field(default=None, max_length=255)
    industry: str | None = Field(default=None, max_length=255)
    billing_address: AddressInput | None = None


class AccountSearch(ApiModel):
    """Search criteria; every given criterion must match (name matches a prefix or word)."""

    name: str | None = None
    account_number: str | None = None
    erp_customer_number: str | None = None
    postal_code: str | None = None
    website_domain: str | None = None
    owner_id: str | None = None
    owner_username: str | None = None


class ContactRead(ApiModel):
    id: str
    account_id: str | None = None
    first_name: str | None = None
    last_name: str
    email: str | None = None
    phone: str | None = None
    title: str | None = None


class OpportunityRead(ApiModel):
    id: str
    account_id: str | None = None
    name: str
    stage: str
    amount: Money | None = None
    close_date: date | None = None
    probability: Decimal | None = None


class QuoteAccount(ApiModel):
    id: str
    name: str
    account_number: str | None = None
    erp_customer_number: str | None = None
    owner_id: str | None = None
    owner_username: str | None = Field(
        default=None, description="The CRM username of the account's owner."
    )


class QuoteLineRead(ApiModel):
    id: str
    product_id: str
    sku: str | None = Field(default=None, description="The product's ERP material number.")
    product_code: str | None = None
    product_name: str | None = None
    quantity: Decimal
    unit_price: Money
    discount_percent: Decimal | None = None
    total_price: Money | None = None


class QuoteRead(ApiModel):
    id: str
    name: str
    quote_number: str | None = None
    status: str
    expiration_date: date | None = None
    opportunity_id: str | None = None
    account: QuoteAccount | None = None
    lines: list[QuoteLineRead]
    total: Money | None = None


class QuoteUpdate(ApiRequest):
    status: str = Field(min_length=1, max_length=40)


class OrderItemCreate(ApiRequest):
    sku: str | None = Field(default=None, description="ERP material; or give `productId`.")
    product_id: str | None = None
    quantity: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    unit_price: Decimal | None = Field(
        default=None, ge=0, max_digits=18, decimal_places=2, description="Default: list price."
    )


class OrderCreate(ApiRequest):
    account_id: str
    effective_date: date
    quote_id: str | None = None
    opportunity_id: str | None = None
    purchase_order_number: str | None = Field(default=None, max_length=80)
    erp_order_number: str | None = Field(default=None, max_length=40)
    erp_status: str | None = Field(default=None, max_length=40)
    activate: bool = True
    items: list[OrderItemCreate] = Field(min_length=1, max_length=200)
    quote_status: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="Set the quote (`quoteId`) to this status in the same all-or-nothing call.",
    )
    opportunity_stage: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="Move the opportunity (`opportunityId`) to this stage in the same "
        "all-or-nothing call.",
    )

    @model_validator(mode="after")
    def _marks_records_it_names(self) -> OrderCreate:
        if self.quote_status is not None and self.quote_id is None:
            raise ValueError("quoteStatus needs quoteId")
        if self.opportunity_stage is not None and self.opportunity_id is None:
            raise ValueError("opportunityStage needs opportunityId")
        return self


class OrderItemRead(ApiModel):
    id: str
    product_id: str | None = None
    sku: str | None = None
    quantity: Decimal
    unit_price: Money
    total_price: Money | None = None


class OrderRead(ApiModel):
    id: str
    order_number: str | None = None
    account_id: str
    quote_id: str | None = None
    status: str
    erp_order_number: str | None = None
    erp_status: str | None = None
    purchase_order_number: str | None = None
    effective_date: date | None = None
    total: Money | None = None
    items: list[OrderItemRead] = []


class OrderUpdate(ApiRequest):
    erp_order_number: str | None = Field(default=None, max_length=40)
    erp_status: str | None = Field(default=None, max_length=40)
    status: Literal["Draft", "Activated"] | None = None


class ProductRead(ApiModel):
    id: str
    sku: str | None = None
    product_code: str | None = None
    name: str
    description: str | None = None
    family: str | None = None
    available_quantity: Decimal | None = None
    is_active: bool = True


class ProductUpsert(ApiRequest):
    sku: str = Field(min_length=1, max_length=40, description="ERP material number.")
    name: str | None = Field(default=None, min_length=1, max_length=255)
    product_code: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=4000)
    family: str | None = Field(default=None, max_length=40)
    available_quantity: Decimal | None = Field(default=None, max_digits=18, decimal_places=2)
    is_active: bool | None = None
    list_price: Decimal | None = Field(
        default=None, ge=0, max_digits=18, decimal_places=2, description="The ERP's list price."
    )


class RowError(ApiModel):
    code: str
    message: str
    fields: list[str] = []
    retryable: bool


class ProductUpsertRow(ApiModel):
    sku: str
    id: str | None = None
    created: bool | None = None
    error: RowError | None = None


UpsertMethod = Literal["collections", "bulk"]


class ProductUpsertReportRead(ApiModel):
    method: UpsertMethod
    total: int
    succeeded: int
    failed: int
    retried: int = Field(description="Rows that failed transiently and succeeded on a retry.")
    failures: list[ProductUpsertRow] = Field(description="Rows that did not make it, with why.")


class SystemRead(ApiModel):
    """The CRM system this API serves: which one, so that a client can tell it from another."""

    system_id: str | None = Field(
        description="The CRM system (its org) this API is signed in to now; null when it did "
        "not name itself. Record ids are unique within one system only: another system id than "
        "before means the CRM was replaced (e.g. a sandbox refresh), and its ids start over."
    )
    kind: Literal["salesforce"] = Field(default="salesforce", description="The kind of CRM.")


class ApiBudgetRead(ApiModel):
    max: int
    remaining: int
    used: int
    observed_at: datetime | None = None


class AccountOverviewRead(ApiModel):
    """An account with its owner, key contacts and open opportunities, read in one CRM call."""

    account: AccountRead
    owner_username: str | None = Field(
        default=None, description="The CRM username of the account's owner."
    )
    contacts: list[ContactRead] = Field(description="Key contacts, by last and first name.")
    open_opportunities: list[OpportunityRead] = Field(
        description="Open opportunities, the next to close first."
    )
