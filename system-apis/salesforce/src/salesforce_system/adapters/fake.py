"""An in-memory CRM, account change feed and account sync behind the same ports, for unit tests
of the routes and for provider states."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from salesforce_system.domain.errors import (
    CrmUnavailable,
    DuplicateRecord,
    RecordNotFound,
    RecordRejected,
)
from salesforce_system.domain.models import (
    AccountCreate,
    AccountOverviewRead,
    AccountRead,
    AccountSearch,
    AccountUpdate,
    Address,
    ApiBudgetRead,
    ContactRead,
    OpportunityRead,
    OrderCreate,
    OrderItemRead,
    OrderRead,
    OrderUpdate,
    ProductRead,
    ProductUpsert,
    ProductUpsertReportRead,
    ProductUpsertRow,
    QuoteRead,
    QuoteUpdate,
    SystemRead,
)
from salesforce_system.domain.sync_models import (
    EARLIEST,
    NOW,
    AccountChange,
    AccountChangePage,
    AccountProfileRead,
    AccountProfileUpdate,
    ChangeOrigin,
    ChangeType,
    OrderErpStatusRead,
    OrderErpStatusUpdate,
    PositionUnavailable,
)
from trivium.problems import FieldError, ValidationFailed
from trivium.schemas import Money

_ids = itertools.count(1)
FAKE_ORG_ID = "00D000000000001EAA"


def fake_id(prefix: str) -> str:
    """A well-formed 18-character id with the object's key prefix."""
    return f"{prefix}{next(_ids):012d}AAA"


Listed = TypeVar("Listed", AccountRead, ContactRead, OpportunityRead, OrderRead, ProductRead)


def _page(items: list[Listed], limit: int, after: str | None) -> list[Listed]:
    ordered = sorted(items, key=lambda item: item.id)
    return [item for item in ordered if after is None or item.id > after][:limit]


class FakeCrm:
    """CrmPort in memory; seed it through its dictionaries."""

    def __init__(self, *, currency: str = "EUR", remaining_budget: int | None = 10_000) -> None:
        self.currency = currency
        self.accounts: dict[str, AccountRead] = {}
        self.contacts: dict[str, list[ContactRead]] = {}
        self.opportunities: dict[str, list[OpportunityRead]] = {}
        self.quotes: dict[str, QuoteRead] = {}
        self.opportunity_stages: dict[str, str] = {}
        self.orders: dict[str, OrderRead] = {}
        self.products: dict[str, ProductRead] = {}
        self.prices: dict[str, Decimal] = {}
        self.remaining_budget = remaining_budget
        # Accounts name their owner by user id; owner searches and overviews need the username.
        self.usernames: dict[str, str] = {}
        self.system_id: str | None = FAKE_ORG_ID
        self.signed_in = True

    def _account(self, account_id: str) -> AccountRead:
        if account_id not in self.accounts:
            raise RecordNotFound(f"No account has the id {account_id!r}.")
        return self.accounts[account_id]

    def _with_owner(self, account: AccountRead) -> AccountRead:
        return account.model_copy(
            update={"owner_username": self.usernames.get(account.owner_id or "")}
        )

    def _owner_id(self, username: str) -> str:
        for user_id, known in self.usernames.items():
            if known.casefold() == username.casefold():
                return user_id
        raise RecordRejected("No active CRM user has this username, so it cannot own the account.")

    async def get_account(self, account_id: str) -> AccountRead:
        return self._with_owner(self._account(account_id))

    async def search_accounts(
        self, criteria: AccountSearch, *, limit: int, after: str | None
    ) -> list[AccountRead]:
        def matches(account: AccountRead) -> bool:
            address = account.billing_address or Address()
            return (
                (not criteria.name or criteria.name.lower() in account.name.lower())
                and (
                    not criteria.account_number or criteria.account_number == account.account_number
                )
                and (
                    not criteria.erp_customer_number
                    or criteria.erp_customer_number == account.erp_customer_number
                )
                and (not criteria.postal_code or criteria.postal_code == address.postal_code)
                and (
                    not criteria.website_domain
                    or criteria.website_domain in (account.website or "")
                )
                and (not criteria.owner_id or criteria.owner_id == account.owner_id)
                and (
                    not criteria.owner_username
                    or criteria.owner_username == self.usernames.get(account.owner_id or "")
                )
            )

        found = _page([a for a in self.accounts.values() if matches(a)], limit, after)
        return [self._with_owner(account) for account in found]

    async def create_account(self, account: AccountCreate) -> AccountRead:
        if account.erp_customer_number and any(
            existing.erp_customer_number == account.erp_customer_number
            for existing in self.accounts.values()
        ):
            raise DuplicateRecord("The account duplicates an existing one.")
        data = account.model_dump(exclude={"billing_address"}, by_alias=False)
        if account.owner_username is not None:
            data["owner_id"] = self._owner_id(account.owner_username)
        address = (
            account.billing_address.model_dump(by_alias=False) if account.billing_address else None
        )
        created = AccountRead(
            id=fake_id("001"),
            **data,
            billing_address=Address(**address) if address else None,
            last_modified_at=datetime.now(UTC),
        )
        self.accounts[created.id] = created.model_copy(update={"owner_username": None})
        return self._with_owner(created)

    async def update_account(self, account_id: str, changes: AccountUpdate) -> AccountRead:
        current = self._account(account_id)
        values = changes.model_dump(exclude_unset=True, exclude={"billing_address"}, by_alias=False)
        if changes.billing_address is not None:
            values["billing_address"] = Address(
                **changes.billing_address.model_dump(by_alias=False)
            )
        updated = current.model_copy(update=values)
        self.accounts[account_id] = updated
        return updated

    async def delete_account(self, account_id: str) -> None:
        self._account(account_id)
        del self.accounts[account_id]

    async def upsert_account_by_erp_number(
        self, erp_customer_number: str, account: AccountCreate
    ) -> tuple[AccountRead, bool]:
        for existing in self.accounts.values():
            if existing.erp_customer_number == erp_customer_number:
                changes = AccountUpdate(
                    **account.model_dump(
                        exclude={"owner_id", "owner_username"}, exclude_unset=True, by_alias=False
                    )
                )
                return await self.update_account(existing.id, changes), False
        data = account.model_copy(update={"erp_customer_number": erp_customer_number})
        return await self.create_account(data), True

    async def list_contacts(
        self, account_id: str, *, limit: int, after: str | None
    ) -> list[ContactRead]:
        self._account(account_id)
        return _page(self.contacts.get(account_id, []), limit, after)

    async def list_open_opportunities(
        self, account_id: str, *, limit: int, after: str | None
    ) -> list[OpportunityRead]:
        self._account(account_id)
        return _page(self.opportunities.get(account_id, []), limit, after)

    async def get_account_overview(
        self, account_id: str, *, contact_limit: int, opportunity_limit: int
    ) -> AccountOverviewRead:
        account = self._account(account_id)
        contacts = sorted(
            self.contacts.get(account_id, []),
            key=lambda contact: (contact.last_name, contact.first_name or ""),
        )
        opportunities = sorted(
            self.opportunities.get(account_id, []),
            key=lambda opportunity: (opportunity.close_date is None, opportunity.close_date),
        )
        return AccountOverviewRead(
            account=account,
            owner_username=self.usernames.get(account.owner_id or ""),
            contacts=contacts[:contact_limit],
            open_opportunities=opportunities[:opportunity_limit],
        )

    async def get_quote(self, quote_id: str) -> QuoteRead:
        if quote_id not in self.quotes:
            raise RecordNotFound(f"No quote has the id {quote_id!r}.")
        return self.quotes[quote_id]

    async def update_quote(self, quote_id: str, changes: QuoteUpdate) -> QuoteRead:
        quote = (await self.get_quote(quote_id)).model_copy(update={"status": changes.status})
        self.quotes[quote_id] = quote
        return quote

    async def create_order(self, order: OrderCreate) -> OrderRead:
        self._account(order.account_id)
        earlier = self._order_created_before(order)
        if earlier is not None:
            return earlier
        items = []
        for item in order.items:
            key = item.sku or item.product_id or ""
            if key not in self.prices:
                raise RecordRejected(f"Unknown product {key}.")
            price = item.unit_price if item.unit_price is not None else self.prices[key]
            items.append(
                OrderItemRead(
                    id=fake_id("802"),
                    sku=item.sku,
                    product_id=item.product_id,
                    quantity=item.quantity,
                    unit_price=Money(amount=price, currency=self.currency),
                    total_price=Money(amount=price * item.quantity, currency=self.currency),
                )
            )
        total = sum((i.total_price.amount for i in items if i.total_price), Decimal(0))
        created = OrderRead(
            id=fake_id("801"),
            order_number=f"{len(self.orders) + 1:08d}",
            account_id=order.account_id,
            quote_id=order.quote_id,
            status="Activated" if order.activate else "Draft",
            erp_order_number=order.erp_order_number,
            erp_status=order.erp_status,
            purchase_order_number=order.purchase_order_number,
            effective_date=order.effective_date,
            total=Money(amount=total, currency=self.currency),
            items=items,
        )
        if order.quote_id is not None and order.quote_status is not None:
            await self.update_quote(order.quote_id, QuoteUpdate(status=order.quote_status))
        if order.opportunity_id is not None and order.opportunity_stage is not None:
            self.opportunity_stages[order.opportunity_id] = order.opportunity_stage
        self.orders[created.id] = created
        return created

    def _order_created_before(self, order: OrderCreate) -> OrderRead | None:
        """As the org's unique ERP order number makes it: the same order created before is the
        answer, another order with the number a DuplicateRecord."""
        if order.erp_order_number is None:
            return None
        for earlier in self.orders.values():
            if earlier.erp_order_number != order.erp_order_number:
                continue
            if earlier.account_id == order.account_id and order.quote_id in (
                None,
                earlier.quote_id,
            ):
                return earlier
            raise DuplicateRecord(
                f"The ERP order number {order.erp_order_number!r} is on another order already.",
                errors=[
                    FieldError(
                        pointer="/erpOrderNumber",
                        detail=f"on order {earlier.id} of another account or quote",
                    )
                ],
            )
        return None

    async def get_order(self, order_id: str) -> OrderRead:
        if order_id not in self.orders:
            raise RecordNotFound(f"No order has the id {order_id!r}.")
        return self.orders[order_id]

    async def list_orders(
        self, account_id: str, *, limit: int, after: str | None
    ) -> list[OrderRead]:
        self._account(account_id)
        mine = [order for order in self.orders.values() if order.account_id == account_id]
        return _page(mine, limit, after)

    async def update_order(self, order_id: str, changes: OrderUpdate) -> OrderRead:
        updated = (await self.get_order(order_id)).model_copy(
            update=changes.model_dump(exclude_unset=True, by_alias=False)
        )
        self.orders[order_id] = updated
        return updated

    async def list_products(
        self, *, search: str | None, limit: int, after: str | None
    ) -> list[ProductRead]:
        needle = (search or "").lower()
        found = [
            product
            for product in self.products.values()
            if not needle
            or any(
                needle in (value or "").lower()
                for value in (product.name, product.sku, product.product_code)
            )
        ]
        return _page(found, limit, after)

    async def upsert_products(self, products: Sequence[ProductUpsert]) -> ProductUpsertReportRead:
        for product in products:
            existing = next((p for p in self.products.values() if p.sku == product.sku), None)
            values = product.model_dump(exclude_unset=True, by_alias=False)
            if existing is None:
                created = ProductRead(
                    id=fake_id("01t"),
                    name=product.name or product.sku,
                    **{k: v for k, v in values.items() if k != "name"},
                )
                self.products[created.id] = created
            else:
                self.products[existing.id] = existing.model_copy(update=values)
        return ProductUpsertReportRead(
            method="collections",
            total=len(products),
            succeeded=len(products),
            failed=0,
            retried=0,
            failures=list[ProductUpsertRow](),
        )

    async def get_system(self) -> SystemRead:
        if not self.signed_in:
            raise CrmUnavailable("The CRM cannot be signed in to.", headers={"Retry-After": "30"})
        return SystemRead(system_id=self.system_id)

    async def get_budget(self) -> ApiBudgetRead:
        remaining = self.remaining_budget or 0
        return ApiBudgetRead(max=100_000, remaining=remaining, used=100_000 - remaining)

    async def known_remaining_budget(self) -> int | None:
        return self.remaining_budget


class FakeAccountChanges:
    """AccountChangesPort in memory: a log of changes, read by position like the real feed.

    Its positions are `fake-<n>` (after the log's n-th change); `continue_after(position)` makes
    a position issued elsewhere the log's current end, and `lose_positions()` makes every
    position but `now` and `earliest` unavailable, as a CRM past its retention does."""

    def __init__(self, *, system_id: str | None = FAKE_ORG_ID) -> None:
        self.changes: list[AccountChange] = []
        self.system_id = system_id
        self._ends: dict[str, int] = {self._position(0): 0}
        self._lost = False

    @staticmethod
    def _position(count: int) -> str:
        return f"fake-{count}"

    def record(
        self,
        change_type: ChangeType,
        account_ids: Sequence[str],
        *,
        values: dict[str, Any] | None = None,
        from_suite: bool = False,
        at: datetime | None = None,
    ) -> AccountChange:
        """Append a change (its changed fields: the names in `values`)."""
        position = self._position(len(self.changes) + 1)
        change = AccountChange(
            position=position,
            change_type=change_type,
            account_ids=list(account_ids),
            changed_fields=list(values or {}),
            values=dict(values or {}),
            commit_timestamp=at or datetime.now(UTC),
            origin=ChangeOrigin(
                api="rest", client="trivium" if from_suite else None, from_suite=from_suite
            ),
        )
        self.changes.append(change)
        self._ends[position] = len(self.changes)
        return change

    def continue_after(self, position: str) -> None:
        self._ends[position] = len(self.changes)

    def lose_positions(self) -> None:
        self._lost = True

    async def read_changes(self, position: str, *, wait_seconds: float) -> AccountChangePage:
        if position == NOW:
            start = len(self.changes)
        elif position == EARLIEST:
            start = 0
        elif self._lost:
            raise PositionUnavailable("The CRM no longer holds the changes after this position.")
        elif position in self._ends:
            start = self._ends[position]
        else:
            raise ValidationFailed(
                "The position is not one this API issued.",
                errors=[FieldError(pointer="/position", detail="not issued by this feed")],
            )
        items = self.changes[start:]
        end = items[-1].position if items else self._position(start)
        self._ends.setdefault(end, start + len(items))
        return AccountChangePage(items=items, position=end, system_id=self.system_id)


class FakeAccountSync:
    """AccountSyncPort in memory: seed `profiles` and `orders` (by ERP order number)."""

    def __init__(self) -> None:
        self.profiles: dict[str, AccountProfileRead] = {}
        self.orders: dict[str, OrderErpStatusRead] = {}

    async def get_profile(self, account_id: str) -> AccountProfileRead:
        if account_id not in self.profiles:
            raise RecordNotFound(f"No account has the id {account_id!r}.")
        return self.profiles[account_id]

    async def list_profiles(
        self,
        *,
        modified_since: datetime | None,
        ids: Sequence[str] | None,
        limit: int,
        after: str | None,
    ) -> list[AccountProfileRead]:
        found = sorted(
            (
                profile
                for profile in self.profiles.values()
                if (ids is None or profile.id in ids)
                and (
                    modified_since is None
                    or (profile.last_modified_at or modified_since) >= modified_since
                )
                and (after is None or profile.id > after)
            ),
            key=lambda profile: profile.id,
        )
        return found[:limit]

    async def update_profile(
        self, account_id: str, changes: AccountProfileUpdate
    ) -> AccountProfileRead:
        current = await self.get_profile(account_id)
        values = changes.model_dump(exclude_unset=True, by_alias=False)
        if "credit_limit" in values and values["credit_limit"] is not None:
            values["credit_limit"] = Money(amount=values["credit_limit"], currency="EUR")
        if changes.billing_address is not None:
            values["billing_address"] = Address(**changes.billing_address.model_dump())
        updated = current.model_copy(update=values)
        self.profiles[account_id] = updated
        return updated

    async def set_order_erp_status(
        self, erp_order_number: str, update: OrderErpStatusUpdate
    ) -> OrderErpStatusRead:
        current = self.orders.get(erp_order_number)
        if current is None:
            raise RecordNotFound(f"No order carries the ERP order number {erp_order_number!r}.")
        changed = (current.erp_status, current.invoice_number) != (
            update.erp_status,
            update.invoice_number,
        )
        updated = current.model_copy(
            update={
                "erp_status": update.erp_status,
                "invoice_number": update.invoice_number,
                "previous_erp_status": current.erp_status,
                "previous_invoice_number": current.invoice_number,
                "changed": changed,
            }
        )
        self.orders[erp_order_number] = updated
        return updated
