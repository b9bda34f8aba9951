"""In-memory ports for unit tests: a CRM, an ERP, order processing and a cache, each counting
the calls made to it and able to play an outage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from partner_portal_experience.adapters.ports import (
    CrmAccount,
    CrmProduct,
    ErpCredit,
    ErpOrderProgress,
    OrderDraft,
    Placement,
    ProcessOrder,
    ProcessOrderLine,
)
from partner_portal_experience.domain.errors import (
    CrmUnavailable,
    ErpUnavailable,
    OrderRejected,
    OrdersUnavailable,
)
from trivium.schemas import Money, Page


@dataclass
class FakeCrm:
    accounts: dict[str, CrmAccount] = field(default_factory=dict)
    products: list[CrmProduct] = field(default_factory=list)
    calls: int = 0
    down: bool = False

    def _call(self) -> None:
        self.calls += 1
        if self.down:
            raise CrmUnavailable("The CRM is down (fake).")

    async def find_account(self, account_number: str) -> CrmAccount | None:
        self._call()
        return self.accounts.get(account_number)

    async def list_products(
        self, *, search: str | None, limit: int, cursor: str | None
    ) -> Page[CrmProduct]:
        self._call()
        rows = sorted(self.products, key=lambda product: product.id)
        if search:
            rows = [p for p in rows if search.lower() in f"{p.name} {p.sku or ''}".lower()]
        if cursor:
            rows = [p for p in rows if p.id > cursor]
        page = rows[:limit]
        more = len(rows) > limit
        return Page[CrmProduct](items=page, next_cursor=page[-1].id if more and page else None)


@dataclass
class FakeErp:
    credit: dict[str, ErpCredit] = field(default_factory=dict)
    list_prices: dict[str, Money] = field(default_factory=dict)
    customer_prices: dict[tuple[str, str], Money] = field(default_factory=dict)
    stock: dict[str, Decimal] = field(default_factory=dict)
    orders: dict[str, ErpOrderProgress] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    down: bool = False

    def _call(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1
        if self.down:
            raise ErpUnavailable("The ERP is down (fake).")

    async def get_credit(self, customer_id: str) -> ErpCredit | None:
        self._call("credit")
        return self.credit.get(customer_id)

    async def get_prices(self, skus: Sequence[str], *, customer_id: str) -> dict[str, Money | None]:
        self._call("prices")
        return {
            sku: self.customer_prices.get((customer_id, sku)) or self.list_prices.get(sku)
            for sku in skus
        }

    async def get_availability(self, skus: Sequence[str]) -> dict[str, Decimal]:
        self._call("availability")
        return {sku: self.stock.get(sku, Decimal(0)) for sku in skus}

    async def get_order_progress(self, order_number: str) -> ErpOrderProgress | None:
        self._call("order")
        return self.orders.get(order_number)


@dataclass
class FakeOrders:
    """Order processing that completes every order at once (or takes it for later)."""

    accounts: dict[str, str] = field(default_factory=dict)
    prices: dict[str, Decimal] = field(default_factory=dict)
    orders: dict[str, ProcessOrder] = field(default_factory=dict)
    placed: list[tuple[OrderDraft, str, dict[str, Any]]] = field(default_factory=list)
    in_background: bool = False
    # False: answer as a process tier that does not tell the ERP progress of a placed order.
    progress_told: bool = True
    reject: OrderRejected | None = None
    down: bool = False

    async def place_order(
        self,
        draft: OrderDraft,
        *,
        idempotency_key: str,
        respond_async: bool,
        identity: Mapping[str, Any],
    ) -> Placement:
        if self.down:
            raise OrdersUnavailable("Order processing is down (fake).")
        if self.reject is not None:
            raise self.reject
        self.placed.append((draft, idempotency_key, dict(identity)))
        later = respond_async or self.in_background
        order_id = f"01J{len(self.orders):023d}"
        lines = [
            ProcessOrderLine(
                sku=sku,
                quantity=quantity,
                unit_price=Money(amount=self.prices.get(sku, Decimal(1)), currency="EUR"),
                net_amount=Money(
                    amount=self.prices.get(sku, Decimal(1)) * quantity, currency="EUR"
                ),
            )
            for sku, quantity in draft.lines
        ]
        order = ProcessOrder(
            order_id=order_id,
            status="accepted" if later else "completed",
            account_id=None if later else self.accounts.get(draft.account_number),
            account_number=draft.account_number,
            erp_order_number=None if later else f"{len(self.orders) + 1:07d}",
            purchase_order_number=draft.purchase_order_number,
            lines=[] if later else lines,
            total=None
            if later
            else Money(amount=sum(line.net_amount.amount for line in lines), currency="EUR"),
            delivery_status="not_started" if self.progress_told and not later else None,
            billing_status="not_started" if self.progress_told and not later else None,
        )
        self.orders[order_id] = order
        return Placement(order=order, in_background=later, async_applied=respond_async)

    async def get_order(self, order_id: str) -> ProcessOrder | None:
        return self.orders.get(order_id)

    async def list_orders(
        self, *, account_id: str, status: str | None, limit: int, cursor: str | None
    ) -> Page[ProcessOrder]:
        rows = sorted(
            (o for o in self.orders.values() if o.account_id == account_id),
            key=lambda order: order.order_id,
            reverse=True,
        )
        if status:
            rows = [o for o in rows if o.status == status]
        if cursor:
            rows = [o for o in rows if o.order_id < cursor]
        page = rows[:limit]
        more = len(rows) > limit
        return Page[ProcessOrder](
            items=page, next_cursor=page[-1].order_id if more and page else None
        )


@dataclass
class MemoryCache:
    values: dict[str, bytes] = field(default_factory=dict)
    ttls: dict[str, float] = field(default_factory=dict)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self.values.get(key) for key in keys]

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        self.values[key] = value
        self.ttls[key] = ttl_seconds
