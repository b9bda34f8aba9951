"""What the ERP serves to flows that keep other systems in step with it: delta reads of
customers and sales orders by last change, a customer's master profile, and the catalog with
stock and list prices in large pages."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from erp_system.domain.models import Address, AddressInput, SalesOrderState
from trivium.schemas import ApiModel, ApiRequest, DecimalString, Money


class CustomerProfileRead(ApiModel):
    """A customer's master data as sync flows compare it, with when the ERP last changed it."""

    id: str = Field(description="The ERP customer number.")
    external_id: str | None = Field(default=None, description="The CRM account id, if linked.")
    name: str
    phone: str | None = None
    address: Address | None = None
    blocked: bool = Field(description="Centrally blocked, or blocked for orders.")
    payment_terms: str | None = Field(default=None, description="Of the default sales area.")
    credit_limit: Money | None = Field(default=None, description="Null: no credit account.")
    changed_at: datetime = Field(description="When the ERP last changed any of the above.")


class CustomerProfileUpdate(ApiRequest):
    """Master data a sync flow may write; fields not sent are left as they are."""

    name: str | None = Field(default=None, min_length=1, max_length=160)
    phone: str | None = Field(default=None, min_length=1, max_length=30)
    address: AddressInput | None = None


SYSTEM_ID_DESCRIPTION = (
    "The ERP system the changes come from. Another one than before means another system "
    "answers now: change times and numbers of the previous one mean nothing there."
)


class CustomerChangePage(ApiModel):
    """Customers changed at or after `since`, oldest change first. To read on, ask again with
    `since` = the last item's `changedAt` (items seen with that very time are repeated)."""

    items: list[CustomerProfileRead]
    has_more: bool
    system_id: str = Field(description=SYSTEM_ID_DESCRIPTION)


class SalesOrderChange(SalesOrderState):
    invoice_numbers: list[str] = Field(description="Billing documents of the order.")
    changed_at: datetime


class SalesOrderChangePage(ApiModel):
    """Sales orders changed at or after `since`, oldest change first (read on as for
    customers)."""

    items: list[SalesOrderChange]
    has_more: bool
    system_id: str = Field(description=SYSTEM_ID_DESCRIPTION)


class CatalogItem(ApiModel):
    sku: str
    name: str | None = None
    unit_price: Money | None = Field(default=None, description="List price per base unit.")
    available_quantity: DecimalString = Field(description="Unrestricted stock in the plant.")


class CatalogPage(ApiModel):
    items: list[CatalogItem]
    next_cursor: str | None = None
