"""The ports the routes depend on: what this API needs from a CRM, in its own words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from salesforce_system.domain.models import (
    AccountCreate,
    AccountOverviewRead,
    AccountRead,
    AccountSearch,
    AccountUpdate,
    ApiBudgetRead,
    ContactRead,
    OpportunityRead,
    OrderCreate,
    OrderRead,
    OrderUpdate,
    ProductRead,
    ProductUpsert,
    ProductUpsertReportRead,
    QuoteRead,
    QuoteUpdate,
    SystemRead,
)
from salesforce_system.domain.sync_models import (
    AccountChangePage,
    AccountProfileRead,
    AccountProfileUpdate,
    OrderErpStatusRead,
    OrderErpStatusUpdate,
)


class CrmPort(Protocol):
    """CRM operations; list operations take a page size and the last id of the previous page."""

    async def get_account(self, account_id: str) -> AccountRead: ...

    async def search_accounts(
        self, criteria: AccountSearch, *, limit: int, after: str | None
    ) -> list[AccountRead]: ...

    async def create_account(self, account: AccountCreate) -> AccountRead: ...

    async def update_account(self, account_id: str, changes: AccountUpdate) -> AccountRead: ...

    async def delete_account(self, account_id: str) -> None:
        """Delete the account (to the recycle bin); RecordNotFound when there is none."""
        ...

    async def upsert_account_by_erp_number(
        self, erp_customer_number: str, account: AccountCreate
    ) -> tuple[AccountRead, bool]: ...

    async def list_contacts(
        self, account_id: str, *, limit: int, after: str | None
    ) -> list[ContactRead]: ...

    async def get_account_overview(
        self, account_id: str, *, contact_limit: int, opportunity_limit: int
    ) -> AccountOverviewRead:
        """The account, its owner's username, key contacts and open opportunities (one call)."""
        ...

    async def list_open_opportunities(
        self, account_id: str, *, limit: int, after: str | None
    ) -> list[OpportunityRead]: ...

    async def get_quote(self, quote_id: str) -> QuoteRead: ...

    async def update_quote(self, quote_id: str, changes: QuoteUpdate) -> QuoteRead: ...

    async def create_order(self, order: OrderCreate) -> OrderRead: ...

    async def get_order(self, order_id: str) -> OrderRead: ...

    async def list_orders(
        self, account_id: str, *, limit: int, after: str | None
    ) -> list[OrderRead]: ...

    async def update_order(self, order_id: str, changes: OrderUpdate) -> OrderRead: ...

    async def list_products(
        self, *, search: str | None, limit: int, after: str | None
    ) -> list[ProductRead]: ...

    async def upsert_products(
        self, products: Sequence[ProductUpsert]
    ) -> ProductUpsertReportRead: ...

    async def get_system(self) -> SystemRead:
        """The CRM system (org) signed in to, confirmed with it; CrmUnavailable when it cannot
        be signed in to."""
        ...

    async def get_budget(self) -> ApiBudgetRead: ...

    async def known_remaining_budget(self) -> int | None:
        """The remaining API budget as last reported, without spending a call on it."""
        ...


class AccountChangesPort(Protocol):
    """The CRM's account changes as a feed read from a position: `now` (changes from now on),
    `earliest` (every change the CRM still holds), or a position it answered with before."""

    async def read_changes(self, position: str, *, wait_seconds: float) -> AccountChangePage:
        """The changes after `position`, oldest first, waiting up to `wait_seconds` for the
        first; ValidationFailed when the feed did not issue `position`, PositionUnavailable when
        it can no longer read on from it."""
        ...


class AccountSyncPort(Protocol):
    """Account profiles with the fields the ERP keeps, and the ERP status shown on orders."""

    async def get_profile(self, account_id: str) -> AccountProfileRead: ...

    async def list_profiles(
        self,
        *,
        modified_since: datetime | None,
        ids: Sequence[str] | None,
        limit: int,
        after: str | None,
    ) -> list[AccountProfileRead]: ...

    async def update_profile(
        self, account_id: str, changes: AccountProfileUpdate
    ) -> AccountProfileRead: ...

    async def set_order_erp_status(
        self, erp_order_number: str, update: OrderErpStatusUpdate
    ) -> OrderErpStatusRead: ...
