"""In-memory CRM and ERP behind the same ports, for unit tests of the saga and the routes.

Both keep what was written to them, count their calls, and can be told to fail: `fail_next(op,
error)` makes the next call of `op` raise `error` (queue several for several calls), and
`lose_next_answer(op, error)` lets the next call do its work and then raise `error`, as when an
answer is lost on the way back.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from quote_to_order_process.adapters.ports import (
    CrmAccount,
    CrmOrder,
    CrmOrderDraft,
    CrmQuote,
    ErpAssessment,
    ErpCredit,
    ErpLineDraft,
    ErpOrderDraft,
    ErpPlacement,
    ErpSalesOrder,
)
from quote_to_order_process.domain.errors import AccountNotFound, AccountNotLinked, QuoteNotFound
from quote_to_order_process.domain.models import ProgressStatus
from trivium.fakes import ScriptedFailures
from trivium.problems import CrmRejected, ErpRejected, FieldError
from trivium.schemas import Money

# The org the fake CRM's records belong to, until a test replaces it.
FAKE_ORG_ID = "00D000000000001EAA"
# What the Salesforce System API answers when the CRM refuses a record (a 422 problem).
REFUSED_STATUS = 422
REFUSED_TYPE = "record-rejected"


@dataclass
class FakeCrmOrder:
    id: str
    draft: CrmOrderDraft
    idempotency_key: str


class FakeCrm(ScriptedFailures):
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


class FakeErp(ScriptedFailures):
    """`ErpPort` in memory: customers with credit and own prices, list prices, stock, orders
    (whose delivery and billing status a test may move on)."""

    def __init__(self) -> None:
        super().__init__()
        self.customers: dict[str, FakeCustomer] = {}
        self.list_prices: dict[str, Decimal] = {}
        self.stock: dict[str, Decimal] = {}
        self.orders: dict[tuple[str, str], FakeSalesOrder] = {}
        # The lines of each order check, as sent.
        self.assessed: list[list[ErpLineDraft]] = []
        self._ids = itertools.count(1)

    def _customer(self, customer_id: str) -> FakeCustomer:
        customer = self.customers.get(customer_id)
        if customer is None:
            raise AccountNotLinked(f"No ERP customer {customer_id}.")
        return customer

    async def assess_order(self, customer_id: str, lines: Sequence[ErpLineDraft]) -> ErpAssessment:
        """As the ERP's order simulation: own prices over list prices, the credit check at the
        lines' unit prices (else the ERP's), the credit position when the check fails."""
        self.enter("assess_order")
        self.assessed.append(list(lines))
        customer = self._customer(customer_id)
        skus = list(dict.fromkeys(line.sku for line in lines))
        own = {sku: customer.prices.get(sku, self.list_prices.get(sku)) for sku in skus}
        prices = {
            sku: Money(amount=price, currency=customer.currency)
            for sku, price in own.items()
            if price is not None
        }
        total = sum(
            (
                (line.unit_price if line.unit_price is not None else own[line.sku] or Decimal(0))
                * line.quantity
                for line in lines
            ),
            Decimal(0),
        )
        credit = None
        if customer.credit_available is not None:
            credit = ErpCredit(
                available=customer.credit_available,
                currency=customer.credit_currency or customer.currency,
                blocked=customer.credit_blocked,
            )
        passed = (
            credit is not None
            and not credit.blocked
            and credit.currency == customer.currency
            and total <= credit.available
        )
        return ErpAssessment(
            customer_id=customer_id,
            prices=prices,
            stock={sku: self.stock.get(sku, Decimal(0)) for sku in skus},
            credit_passed=passed,
            credit=None if passed else credit,
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
