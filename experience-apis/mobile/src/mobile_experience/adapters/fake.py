"""In-memory lower tiers, cache and metrics behind the same ports, for unit tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mobile_experience.adapters.ports import (
    CrmAccountPage,
    CrmOverview,
    CrmQuote,
    CustomerCreation,
    ErpCredit,
    ErpInvoice,
    ErpOrder,
    OrderPlacement,
    ProcessCustomer,
    ProcessOrder,
)
from mobile_experience.domain.errors import (
    AccountNotFound,
    CrmUnavailable,
    DuplicateCustomer,
    ErpUnavailable,
    QuoteNotFound,
)
from mobile_experience.domain.models import Rep


@dataclass
class _FakeTier:
    """A lower tier's fake: `down` makes every call unavailable, `delay_seconds` slows each one
    down, `calls` counts them."""

    down: bool = False
    delay_seconds: float = 0.0
    calls: int = 0

    def _unavailable(self) -> Exception:
        """The problem every call raises while the tier is `down`: each fake names its own."""
        raise NotImplementedError

    async def _enter(self) -> None:
        self.calls += 1
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.down:
            raise self._unavailable()


@dataclass
class FakeCrm(_FakeTier):
    """Overviews by account id and quotes by id."""

    overviews: dict[str, CrmOverview] = field(default_factory=dict)
    quotes: dict[str, CrmQuote] = field(default_factory=dict)

    def _unavailable(self) -> Exception:
        return CrmUnavailable("The CRM is down (fake).")

    async def search_accounts(
        self, *, owner_username: str, name: str | None, limit: int, cursor: str | None
    ) -> CrmAccountPage:
        await self._enter()
        owned = sorted(
            (
                overview.account
                for overview in self.overviews.values()
                if (overview.owner_username or "").casefold() == owner_username.casefold()
                and (not name or name.casefold() in overview.account.name.casefold())
            ),
            key=lambda account: account.id,
        )
        rest = [account for account in owned if cursor is None or account.id > cursor]
        page = rest[:limit]
        more = len(rest) > limit
        return CrmAccountPage(items=page, next_cursor=page[-1].id if more and page else None)

    async def get_overview(
        self, account_id: str, *, contact_limit: int, opportunity_limit: int
    ) -> CrmOverview:
        await self._enter()
        overview = self.overviews.get(account_id)
        if overview is None:
            raise AccountNotFound(f"No account has the id {account_id!r}.")
        return overview.model_copy(
            update={
                "contacts": overview.contacts[:contact_limit],
                "open_opportunities": overview.open_opportunities[:opportunity_limit],
            }
        )

    async def get_quote(self, quote_id: str) -> CrmQuote | None:
        await self._enter()
        return self.quotes.get(quote_id)


@dataclass
class FakeErp(_FakeTier):
    """ERP data by customer number."""

    orders: dict[str, list[ErpOrder]] = field(default_factory=dict)
    invoices: dict[str, list[ErpInvoice]] = field(default_factory=dict)
    credits: dict[str, ErpCredit] = field(default_factory=dict)

    def _unavailable(self) -> Exception:
        return ErpUnavailable("The ERP is down (fake).")

    async def recent_orders(self, customer_id: str, *, limit: int) -> list[ErpOrder]:
        await self._enter()
        return self.orders.get(customer_id, [])[:limit]

    async def open_invoices(self, customer_id: str, *, limit: int) -> list[ErpInvoice]:
        await self._enter()
        return self.invoices.get(customer_id, [])[:limit]

    async def credit(self, customer_id: str) -> ErpCredit | None:
        await self._enter()
        return self.credits.get(customer_id)


@dataclass
class FakeOrders:
    """Orders by id; placing a known quote takes an order for it."""

    quotes: dict[str, ProcessOrder] = field(default_factory=dict)
    orders: dict[str, ProcessOrder] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)

    async def place_quote_order(
        self, quote_id: str, *, rep: Rep, idempotency_key: str, respond_async: bool
    ) -> OrderPlacement:
        self.keys.append(idempotency_key)
        order = self.quotes.get(quote_id)
        if order is None:
            raise QuoteNotFound(f"No quote has the id {quote_id!r}.", reason="quote-not-found")
        self.orders[order.order_id] = order
        return OrderPlacement(order=order, in_background=respond_async)

    async def get_order(self, order_id: str, *, rep: Rep) -> ProcessOrder | None:
        return self.orders.get(order_id)


@dataclass
class FakeCustomers:
    """Customers it was asked to create; `duplicate` is raised instead when set."""

    created: list[Mapping[str, Any]] = field(default_factory=list)
    duplicate: DuplicateCustomer | None = None

    async def create_customer(
        self,
        customer: Mapping[str, Any],
        *,
        rep: Rep,
        idempotency_key: str,
        on_duplicate: str | None,
    ) -> CustomerCreation:
        if self.duplicate is not None:
            raise self.duplicate
        self.created.append(customer)
        return CustomerCreation(
            status=201,
            customer=ProcessCustomer(
                request_id=f"request-{len(self.created)}",
                status="completed",
                account_id=f"001{len(self.created):012d}AAA",
                erp_customer_number=f"{2000000 + len(self.created)}",
                account_created=True,
                erp_customer_created=True,
            ),
        )


@dataclass
class MemoryCache:
    """The cache in a dict, with expiry on the monotonic clock; `round_trips` counts the calls
    (each one round trip to Redis); with `down`, it stores nothing."""

    entries: dict[str, tuple[bytes, float]] = field(default_factory=dict)
    round_trips: int = 0
    down: bool = False

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        self.round_trips += 1
        now = time.monotonic()
        found: list[bytes | None] = []
        for key in keys:
            entry = self.entries.get(key)
            found.append(entry[0] if entry and entry[1] > now else None)
        return found

    async def set_many(self, values: Mapping[str, bytes], *, ttl_seconds: float) -> bool:
        self.round_trips += 1
        if ttl_seconds <= 0 or self.down:
            return False
        expires = time.monotonic() + ttl_seconds
        self.entries.update({key: (value, expires) for key, value in values.items()})
        return True


@dataclass
class RecordingViewMetrics:
    """`ViewMetrics` that keeps what it is told, for tests to read."""

    served: list[tuple[str, str, bool]] = field(default_factory=list)

    def section_served(self, section: str, *, source: str, ok: bool) -> None:
        self.served.append((section, source, ok))
