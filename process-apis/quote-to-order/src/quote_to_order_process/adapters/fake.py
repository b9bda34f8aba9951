"""In-memory CRM and ERP behind the same ports, for unit tests of the saga and the routes.

Both keep what was written to them, count their calls, and can be told to fail: `fail_next(op,
error)` makes the next call of `op` raise `error` (queue several for several calls), and
`lose_next_answer(op, error)` lets the next call do its work and then raise `error`, as when an
answer is lost on the way back.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from quote_to_order_process.adapters.ports import (
    CrmAccount,
    CrmOrder,
    CrmOrderDraft,
    CrmQuote,
    ErpAssessment,
    ErpCheckedLine,
    ErpCredit,
    ErpLineDraft,
    ErpOrderDraft,
    ErpPlacement,
    ErpSalesOrder,
)
from quote_to_order_process.domain.errors import (
    AccountNotFound,
    AccountNotLinked,
    CrmRejected,
    ErpRejected,
    QuoteNotFound,
)
from trivium.schemas import Money


class _Failures:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._before: dict[str, deque[Exception]] = defaultdict(deque)
        self._after: dict[str, deque[Exception]] = defaultdict(deque)

    def fail_next(self, operation: str, *errors: Exception) -> None:
        """Make the next calls of `operation` raise these errors, one per call."""
        self._before[operation].extend(errors)

    def lose_next_answer(self, operation: str, error: Exception) -> None:
        """Let the next call of `operation` take effect, then raise `error`."""
        self._after[operation].append(error)

    def enter(self, operation: str) -> None:
        self.calls[operation] += 1
        if self._before[operation]:
            raise self._before[operation].popleft()

    def leave(self, operation: str) -> None:
        if self._after[operation]:
            raise self._after[operation].popleft()


@dataclass
class FakeCrmOrder:
    id: str
    draft: CrmOrderDraft
    idempotency_key: str


class FakeCrm(_Failures):
    """`CrmPort` in memory: quotes and accounts to read, orders it was asked to create."""

    def __init__(self) -> None:
        super().__init__()
        self.quotes: dict[str, CrmQuote] = {}
        self.accounts: dict[str, CrmAccount] = {}
        self.orders: list[FakeCrmOrder] = []
        self.quote_statuses: dict[str, str] = {}
        self.unorderable_skus: set[str] = set()
        self._ids = itertools.count(1)

    async def get_quote(self, quote_id: str) -> CrmQuote:
        self.enter("get_quote")
        quote = self.quotes.get(quote_id)
        if quote is None:
            raise QuoteNotFound(f"No quote has the id {quote_id!r}.")
        return quote

    async def get_account(
        self, *, account_id: str | None = None, account_number: str | None = None
    ) -> CrmAccount:
        self.enter("get_account")
        for account in self.accounts.values():
            if account_id is not None and account.id == account_id:
                return account
            if account_id is None and account.account_number == account_number:
                return account
        raise AccountNotFound(f"No account {account_id or account_number!r}.")

    async def create_order(self, draft: CrmOrderDraft, *, idempotency_key: str) -> CrmOrder:
        self.enter("create_order")
        for order in self.orders:
            if order.idempotency_key == idempotency_key:
                return CrmOrder(id=order.id)
        unknown = sorted({item.sku for item in draft.items} & self.unorderable_skus)
        if unknown:
            raise CrmRejected(f"CRM order creation: unknown {', '.join(unknown)}")
        created = FakeCrmOrder(f"801{next(self._ids):015d}", draft, idempotency_key)
        self.orders.append(created)
        self.leave("create_order")
        return CrmOrder(id=created.id)

    async def set_quote_status(self, quote_id: str, status: str) -> None:
        self.enter("set_quote_status")
        self.quote_statuses[quote_id] = status


@dataclass
class FakeCustomer:
    credit_available: Decimal | None = Decimal(100_000)
    credit_blocked: bool = False
    currency: str = "EUR"
    order_blocked: bool = False
    prices: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class FakeSalesOrder:
    id: str
    draft: ErpOrderDraft


class FakeErp(_Failures):
    """`ErpPort` in memory: customers with credit and own prices, list prices, stock, orders."""

    def __init__(self) -> None:
        super().__init__()
        self.customers: dict[str, FakeCustomer] = {}
        self.list_prices: dict[str, Decimal] = {}
        self.stock: dict[str, Decimal] = {}
        self.orders: dict[tuple[str, str], FakeSalesOrder] = {}
        self._ids = itertools.count(1)

    async def assess_order(self, customer_id: str, lines: Sequence[ErpLineDraft]) -> ErpAssessment:
        self.enter("assess_order")
        customer = self.customers.get(customer_id)
        if customer is None:
            raise AccountNotLinked(f"No ERP customer {customer_id}.")
        wanted: dict[str, Decimal] = defaultdict(Decimal)
        for line in lines:
            wanted[line.sku] += line.quantity
        checked = []
        for line in lines:
            price = customer.prices.get(line.sku, self.list_prices.get(line.sku))
            available = self.stock.get(line.sku, Decimal(0))
            checked.append(
                ErpCheckedLine(
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=Money(amount=price, currency=customer.currency)
                    if price is not None
                    else None,
                    available_quantity=available,
                    in_stock=available >= wanted[line.sku],
                )
            )
        credit = (
            ErpCredit(available=customer.credit_available, blocked=customer.credit_blocked)
            if customer.credit_available is not None
            else None
        )
        return ErpAssessment(
            customer_id=customer_id, currency=customer.currency, lines=checked, credit=credit
        )

    async def place_order(self, draft: ErpOrderDraft, *, idempotency_key: str) -> ErpPlacement:
        self.enter("place_order")
        key = (draft.customer_id, draft.external_reference)
        existing = self.orders.get(key)
        if existing is not None:
            return ErpPlacement(order=self._read(existing), created=False)
        customer = self.customers.get(draft.customer_id)
        if customer is None or customer.order_blocked:
            raise ErpRejected(f"ERP sales order creation: customer {draft.customer_id} blocked")
        created = FakeSalesOrder(str(next(self._ids)), draft)
        self.orders[key] = created
        self.leave("place_order")
        return ErpPlacement(order=self._read(created), created=True)

    @staticmethod
    def _read(order: FakeSalesOrder) -> ErpSalesOrder:
        return ErpSalesOrder(
            id=order.id,
            customer_id=order.draft.customer_id,
            external_reference=order.draft.external_reference,
        )
