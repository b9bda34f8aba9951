"""In-memory CRM and ERP behind the same ports, for unit tests of the saga and the routes.

Both keep what was written to them, count their calls, and can be told to fail: `fail_next(op,
error)` makes the next call of `op` raise `error` (queue several for several calls), and
`lose_next_answer(op, error)` lets the next call do its work and then raise `error`, as when an
answer is lost on the way back.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter, defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from quote_to_order_process.adapters.ports import (
    CrmAccount,
    CrmOrder,
    CrmOrderDraft,
    CrmQuote,
    ErpCredit,
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
from quote_to_order_process.domain.models import ProgressStatus
from trivium.problems import FieldError
from trivium.schemas import Money

# The org the fake CRM's records belong to, until a test replaces it.
FAKE_ORG_ID = "00D000000000001EAA"
# What the Salesforce System API answers when the CRM refuses a record (a 422 problem).
REFUSED_STATUS = 422
REFUSED_TYPE = "record-rejected"


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
        # Replaced as a sandbox refresh replaces an org: the same record ids under another id.
        self.system_id: str | None = FAKE_ORG_ID
        self.quotes: dict[str, CrmQuote] = {}
        self.accounts: dict[str, CrmAccount] = {}
        self.orders: list[FakeCrmOrder] = []
        self.quote_statuses: dict[str, str] = {}
        self.opportunity_stages: dict[str, str] = {}
        self.unorderable_skus: set[str] = set()
        # Refused as the CRM refuses a record: every order (`refuse_all`, the reason), or an
        # order that sets a field (draft field -> the pointer the refusal names).
        self.refuse_all: str | None = None
        self.refused_fields: dict[str, str] = {}
        self._ids = itertools.count(1)

    async def get_system_id(self) -> str | None:
        self.enter("get_system_id")
        return self.system_id

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
        self._refuse(draft)
        created = FakeCrmOrder(f"801{next(self._ids):015d}", draft, idempotency_key)
        self.orders.append(created)
        if draft.quote_id is not None and draft.quote_status is not None:
            self.quote_statuses[draft.quote_id] = draft.quote_status
        if draft.opportunity_id is not None and draft.opportunity_stage is not None:
            self.opportunity_stages[draft.opportunity_id] = draft.opportunity_stage
        self.leave("create_order")
        return CrmOrder(id=created.id)

    def _refuse(self, draft: CrmOrderDraft) -> None:
        if self.refuse_all is not None:
            raise CrmRejected(
                f"CRM order creation: {self.refuse_all}",
                errors=[FieldError(pointer="/accountId", detail=self.refuse_all)],
                upstreamStatus=REFUSED_STATUS,
                upstreamType=REFUSED_TYPE,
            )
        refused = [
            FieldError(pointer=pointer, detail="bad value for restricted picklist field")
            for name, pointer in self.refused_fields.items()
            if getattr(draft, name) is not None
        ]
        if refused:
            raise CrmRejected(
                "CRM order creation: a field was refused",
                errors=refused,
                upstreamStatus=REFUSED_STATUS,
                upstreamType=REFUSED_TYPE,
            )


@dataclass
class FakeCustomer:
    credit_available: Decimal | None = Decimal(100_000)
    credit_blocked: bool = False
    currency: str = "EUR"
    credit_currency: str | None = None
    order_blocked: bool = False
    prices: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class FakeSalesOrder:
    id: str
    draft: ErpOrderDraft
    delivery_status: ProgressStatus = ProgressStatus.NOT_STARTED
    billing_status: ProgressStatus = ProgressStatus.NOT_STARTED


class FakeErp(_Failures):
    """`ErpPort` in memory: customers with credit and own prices, list prices, stock, orders
    (whose delivery and billing status a test may move on)."""

    def __init__(self) -> None:
        super().__init__()
        self.customers: dict[str, FakeCustomer] = {}
        self.list_prices: dict[str, Decimal] = {}
        self.stock: dict[str, Decimal] = {}
        self.orders: dict[tuple[str, str], FakeSalesOrder] = {}
        # Set to make each read of the order check wait until all of them have started.
        self.read_barrier: asyncio.Barrier | None = None
        self._ids = itertools.count(1)

    async def _check_read(self, operation: str) -> None:
        self.enter(operation)
        if self.read_barrier is not None:
            await self.read_barrier.wait()

    def _customer(self, customer_id: str) -> FakeCustomer:
        customer = self.customers.get(customer_id)
        if customer is None:
            raise AccountNotLinked(f"No ERP customer {customer_id}.")
        return customer

    async def get_prices(self, customer_id: str, skus: Sequence[str]) -> Mapping[str, Money]:
        await self._check_read("get_prices")
        own = self.customers[customer_id].prices if customer_id in self.customers else {}
        currency = self.customers[customer_id].currency if customer_id in self.customers else "EUR"
        prices = {sku: own.get(sku, self.list_prices.get(sku)) for sku in skus}
        return {
            sku: Money(amount=price, currency=currency)
            for sku, price in prices.items()
            if price is not None
        }

    async def get_stock(self, skus: Sequence[str]) -> Mapping[str, Decimal]:
        await self._check_read("get_stock")
        return {sku: self.stock.get(sku, Decimal(0)) for sku in skus}

    async def get_credit(self, customer_id: str) -> ErpCredit | None:
        await self._check_read("get_credit")
        customer = self._customer(customer_id)
        if customer.credit_available is None:
            return None
        return ErpCredit(
            available=customer.credit_available,
            currency=customer.credit_currency or customer.currency,
            blocked=customer.credit_blocked,
        )

    async def get_order(self, order_id: str) -> ErpSalesOrder:
        self.enter("get_order")
        for order in self.orders.values():
            if order.id == order_id:
                return self._read(order)
        raise ErpRejected(f"ERP order read: no order {order_id}")

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
            delivery_status=order.delivery_status,
            billing_status=order.billing_status,
        )


@dataclass
class RecordingOrderMetrics:
    """`OrderMetrics` that keeps what it is told, for tests to read."""

    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    steps: list[str] = field(default_factory=list)

    def order_outcome(self, source: str, outcome: str) -> None:
        self.outcomes[source, outcome] += 1

    def step_duration(self, step: str, seconds: float) -> None:
        self.steps.append(step)
