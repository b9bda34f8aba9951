"""What this API serves to flows that keep the CRM in step with other systems: account
changes, account profiles with the ERP-kept fields, and the ERP status of orders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import Field

from salesforce_system.domain.models import Address, AddressInput
from trivium.problems import Problem
from trivium.schemas import ApiModel, ApiRequest, Money

MAX_PROFILE_IDS = 200
NOW = "now"
EARLIEST = "earliest"


class ChangeType(StrEnum):
    """What happened to the accounts a change names. `resync`: the feed lost track of some
    changes, so its values are unknown; re-read the accounts it names, or, when it names none,
    every account changed since its `commitTimestamp`."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    RESYNC = "resync"


class ChangeOrigin(ApiModel):
    api: str | None = Field(default=None, description="The API the change came through.")
    client: str | None = Field(default=None, description="The writing client's own name.")
    from_suite: bool = Field(description="Written by this integration suite (its own echo).")


class AccountChange(ApiModel):
    """One change of accounts. `created` also stands for an account restored after deletion.
    A `resync` carries no values: re-read its accounts (all accounts changed since
    `commitTimestamp` when `accountIds` is empty)."""

    position: str = Field(
        description="Where this change ends: reading on from it starts with the next change. "
        "Stable: the same change always has the same position."
    )
    change_type: ChangeType
    account_ids: list[str]
    changed_fields: list[str] = Field(description="In this API's names, e.g. `billingAddress`.")
    values: dict[str, Any] = Field(description="The changed fields' new values (null: cleared).")
    commit_timestamp: datetime
    commit_user: str | None = None
    transaction_key: str | None = None
    sequence_number: int | None = None
    origin: ChangeOrigin


class AccountChangePage(ApiModel):
    items: list[AccountChange]
    position: str = Field(description="Where to read on from: pass it as `position` next time.")
    system_id: str | None = Field(
        default=None,
        description="The CRM system (its org) the changes and `position` belong to; "
        "null when it did not name itself. Another one than your position came from means the "
        "CRM was replaced (e.g. a sandbox refresh): its positions mean nothing there.",
    )


class AccountProfileRead(ApiModel):
    """An account with the fields sync flows compare, including those the ERP keeps."""

    id: str
    name: str
    phone: str | None = None
    website: str | None = None
    industry: str | None = None
    billing_address: Address | None = None
    erp_customer_number: str | None = None
    credit_limit: Money | None = None
    payment_terms: str | None = None
    erp_blocked: bool = False
    last_modified_at: datetime | None = None


class AccountProfileUpdate(ApiRequest):
    """Fields a sync flow may write; fields not sent stay as they are, null clears one."""

    erp_customer_number: str | None = Field(default=None, max_length=20)
    credit_limit: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    payment_terms: str | None = Field(default=None, max_length=4)
    erp_blocked: bool | None = None
    billing_address: AddressInput | None = None
    name: str | None = Field(default=None, min_length=1, max_length=255)
    phone: str | None = Field(default=None, max_length=40)


class OrderErpStatusUpdate(ApiRequest):
    erp_status: str = Field(min_length=1, max_length=40, description="e.g. Delivered, Invoiced.")
    invoice_number: str | None = Field(default=None, max_length=20)


class OrderErpStatusRead(ApiModel):
    order_id: str
    erp_order_number: str
    erp_status: str | None = None
    invoice_number: str | None = None
    previous_erp_status: str | None = None
    previous_invoice_number: str | None = None
    changed: bool = Field(description="False when the order already showed this status.")


class PositionUnavailable(Problem):
    slug = "position-unavailable"
    title = "Changes can no longer be read from this position"
    status = 410
