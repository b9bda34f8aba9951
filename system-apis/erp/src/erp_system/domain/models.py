"""The ERP resources this API serves, in Trivium's words (camelCase on the wire)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import Field

from trivium.schemas import ApiModel, ApiRequest, DecimalString, Money

Sku = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._/-]+$")]
CustomerId = Annotated[str, Field(min_length=1, max_length=10, pattern=r"^[A-Za-z0-9]+$")]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=3)]


class Address(ApiModel):
    """A postal address; `country` is ISO 3166 alpha-2, `region` the ERP's region code."""

    street: str | None = None
    house_number: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None


class AddressInput(ApiRequest):
    street: str = Field(min_length=1, max_length=60)
    house_number: str | None = Field(default=None, max_length=10)
    city: str = Field(min_length=1, max_length=40)
    postal_code: str | None = Field(default=None, max_length=10)
    region: str | None = Field(default=None, max_length=3)
    country: str = Field(pattern=r"^[A-Z]{2}$")


class SalesArea(ApiModel):
    """Where and how the customer buys: organisation, channel, division and their terms."""

    sales_organization: str
    distribution_channel: str
    division: str
    currency: str | None = None
    payment_terms: str | None = None
    order_blocked: bool = False


class SalesAreaInput(ApiRequest):
    sales_organization: str | None = Field(default=None, max_length=4, description="Default: 1010.")
    distribution_channel: str | None = Field(default=None, max_length=2)
    division: str | None = Field(default=None, max_length=2)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    payment_terms: str | None = Field(default=None, max_length=4)


class CustomerRead(ApiModel):
    id: str = Field(description="The ERP customer number.")
    name: str
    external_id: str | None = Field(default=None, description="The CRM account id, if linked.")
    search_term: str | None = None
    language: str | None = None
    blocked: bool = False
    address: Address | None = None
    sales_areas: list[SalesArea] = []
    created_on: date | None = None
    email: str | None = Field(default=None, description="The standard address's default e-mail.")
    phone: str | None = Field(default=None, description="The standard address's default phone.")
    website: str | None = Field(default=None, description="The standard address's home page.")
    vat_id: str | None = Field(default=None, description="The VAT registration number.")


class CustomerCreate(ApiRequest):
    name: str = Field(min_length=1, max_length=160, description="Split into 40-character lines.")
    external_id: str | None = Field(default=None, max_length=20, description="CRM account id.")
    search_term: str | None = Field(default=None, max_length=20)
    language: str = Field(default="EN", pattern=r"^[A-Z]{2}$")
    address: AddressInput
    sales_area: SalesAreaInput | None = Field(
        default=None, description="Default: the configured sales area and currency."
    )
    email: str | None = Field(default=None, max_length=241)
    phone: str | None = Field(default=None, max_length=30, description="As dialled, e.g. E.164.")
    website: str | None = Field(default=None, max_length=2048)
    vat_id: str | None = Field(
        default=None, max_length=20, pattern=r"^[A-Z0-9]+$", description="VAT registration number."
    )


class CustomerUpdate(ApiRequest):
    name: str | None = Field(default=None, min_length=1, max_length=160)
    search_term: str | None = Field(default=None, max_length=20)
    address: AddressInput | None = None
    blocked: bool | None = None
    external_id: str | None = Field(
        default=None, min_length=1, max_length=20, description="Link to this CRM account id."
    )


class CustomerSearch(ApiModel):
    """Every given criterion must match; `name` matches anywhere in the name."""

    name: str | None = None
    external_id: str | None = None
    postal_code: str | None = None
    city: str | None = None
    vat_id: str | None = None
    website_domain: str | None = None


class ExposureSource(StrEnum):
    BACKEND = "backend"
    DERIVED = "derived"


class CreditRead(ApiModel):
    """Credit limit and what is used of it; `available` is negative when over the limit."""

    customer_id: str
    limit: DecimalString
    exposure: DecimalString
    available: DecimalString
    currency: str
    blocked: bool
    exposure_source: ExposureSource = Field(
        description="`backend` when the ERP reported the exposure, `derived` when it was summed "
        "from open orders and open invoices."
    )
    open_orders: DecimalString | None = Field(
        default=None, description="Net value of orders not yet billed (derived exposure only)."
    )
    open_invoices: DecimalString | None = Field(
        default=None, description="Gross value of invoices not yet paid (derived exposure only)."
    )


class ProductRead(ApiModel):
    sku: str
    name: str | None = None
    product_type: str | None = None
    product_group: str | None = None
    base_unit: str | None = None
    unit_price: Money | None = Field(default=None, description="List price per base unit.")


class AvailabilityRead(ApiModel):
    """Unrestricted-use stock of a sku in a plant (physical stock, not an ATP promise)."""

    sku: str
    plant: str
    quantity: DecimalString
    unit: str | None = None


class AvailabilityQuery(ApiRequest):
    skus: list[Sku] = Field(min_length=1, max_length=200)
    plant: str | None = Field(default=None, max_length=4, description="Default: plant 1010.")


class AvailabilityListRead(ApiModel):
    items: list[AvailabilityRead]


class PriceRead(ApiModel):
    """The price per base unit a customer pays for a sku (null when the ERP has none)."""

    sku: str
    unit_price: Money | None = None


class PriceListRead(ApiModel):
    items: list[PriceRead]


class SalesOrderStatus(StrEnum):
    OPEN = "open"
    BLOCKED = "blocked"
    IN_DELIVERY = "in_delivery"
    DELIVERED = "delivered"
    PARTIALLY_BILLED = "partially_billed"
    BILLED = "billed"
    CANCELLED = "cancelled"


ProgressStatus = Literal["not_started", "partial", "complete", "not_relevant"]


class SalesOrderLineCreate(ApiRequest):
    sku: Sku
    quantity: Quantity
    unit: str | None = Field(default=None, max_length=3, description="Default: the sales unit.")
    unit_price: Decimal | None = Field(
        default=None,
        ge=0,
        max_digits=15,
        decimal_places=3,
        description="A negotiated price (e.g. from the quote); default: ERP pricing.",
    )


class SalesOrderCreate(ApiRequest):
    customer_id: CustomerId
    external_reference: str = Field(
        min_length=1, max_length=35, description="Unique per customer: a repeat returns the order."
    )
    lines: list[SalesOrderLineCreate] = Field(min_length=1, max_length=500)
    requested_delivery_date: date | None = None
    ship_to_customer_id: str | None = Field(default=None, max_length=10)


class SalesOrderUpdate(ApiRequest):
    requested_delivery_date: date | None = None


class SalesOrderLineRead(ApiModel):
    line_number: str
    sku: str
    description: str | None = None
    quantity: DecimalString
    unit: str | None = None
    confirmed_quantity: DecimalString | None = None
    net_amount: Money | None = None


class SalesOrderState(ApiModel):
    # Not a schema of its own: the fields that begin every answer about one sales order
    # (a read, or a change a sync flow reads), so that both say the same thing the same way.
    id: str
    customer_id: str
    external_reference: str | None = None
    status: SalesOrderStatus
    delivery_status: ProgressStatus
    billing_status: ProgressStatus


class SalesOrderRead(SalesOrderState):
    credit_blocked: bool = False
    total: Money | None = None
    created_on: date | None = None
    requested_delivery_date: date | None = None
    lines: list[SalesOrderLineRead] = []


class SimulationLineRead(ApiModel):
    sku: str
    quantity: DecimalString
    list_price: Money | None = Field(
        default=None,
        description="The ERP's own price of the sku for this customer, whatever `unitPrice` "
        "the request named.",
    )
    unit_price: Money | None = None
    net_amount: Money | None = None
    available_quantity: DecimalString
    in_stock: bool


class SimulationCredit(ApiModel):
    limit: DecimalString
    exposure: DecimalString
    available: DecimalString
    currency: str
    blocked: bool
    sufficient: bool


class SalesOrderSimulationRead(ApiModel):
    """What an order would cost and whether it could be fulfilled now; nothing is saved."""

    customer_id: str
    currency: str
    lines: list[SimulationLineRead]
    total: Money
    priced: bool = Field(description="Every line has a price.")
    in_stock: bool = Field(description="Every line is covered by unrestricted stock.")
    credit: SimulationCredit | None = Field(
        default=None,
        description="The credit account's figures; null when the customer has none, or when "
        "the ERP's own credit check passed the order without them.",
    )
    credit_ok: bool = Field(description="Not blocked, and the order fits the available credit.")


class CreditCheck(StrEnum):
    """The ERP's credit check of a would-be order."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class OrderPricing:
    """A would-be order as the ERP prices it: its currency, each sku's own price for the
    customer, and the ERP's credit check of the order at the prices it was sent."""

    currency: str
    list_prices: dict[str, Money]
    credit_check: CreditCheck


class SalesOrderSimulate(ApiRequest):
    customer_id: CustomerId
    lines: list[SalesOrderLineCreate] = Field(min_length=1, max_length=500)
    requested_delivery_date: date | None = None


InvoiceStatus = Literal["open", "partially_paid", "paid", "cancelled"]


class InvoiceRead(ApiModel):
    id: str
    customer_id: str
    status: InvoiceStatus
    external_reference: str | None = None
    sales_order_id: str | None = None
    invoice_date: date | None = None
    net_amount: Money
    tax_amount: Money | None = None
    gross_amount: Money | None = None


ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class Versioned(Generic[ItemT]):
    """A record and the ERP's opaque version of it (None when the ERP keeps none)."""

    item: ItemT
    version: str | None
