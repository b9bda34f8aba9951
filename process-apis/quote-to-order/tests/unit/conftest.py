"""Unit-test wiring: the saga over the in-memory CRM and ERP, with the real Redis adapters.

`scenario` seeds both fakes with a small world: a linked partner account with an accepted quote,
an unlinked account, three products with prices and stock. Tests change what they need.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import pytest_asyncio
import redis.asyncio

from quote_to_order_process.adapters.fake import (
    FakeCrm,
    FakeCustomer,
    FakeErp,
    RecordingOrderMetrics,
)
from quote_to_order_process.adapters.ports import CrmAccount, CrmQuote, CrmQuoteLine
from quote_to_order_process.adapters.redis_store import RedisOrderLocks, RedisOrderStore
from quote_to_order_process.adapters.redis_streams import RedisEventPublisher, WorkQueueOrders
from quote_to_order_process.domain.models import OrderCreate, OrderLineInput, OrderState
from quote_to_order_process.domain.processing import Processed, submit_order
from quote_to_order_process.domain.saga import OrderFlow, OrderPolicy
from trivium.locks import LeaseLocks
from trivium.schemas import Money
from trivium.work_queue import WorkQueue

START = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
PARTNER = "001000000000001AAA"
PROSPECT = "001000000000004AAA"
CUSTOMER = "1000001"
WORK_STREAM = "{q2o-test}:work"
EVENT_STREAM = "{q2o-test}:events"


class FakeClock:
    """A clock the test moves; starts at START."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Scenario:
    """Builds CRM and ERP data for a test: quotes, accounts, prices, stock, credit."""

    def __init__(self, crm: FakeCrm, erp: FakeErp, clock: FakeClock) -> None:
        self.crm = crm
        self.erp = erp
        self.clock = clock
        self._quotes = 0
        crm.accounts[PARTNER] = CrmAccount(
            id=PARTNER, account_number="P-1001", erp_customer_number=CUSTOMER
        )
        crm.accounts[PROSPECT] = CrmAccount(id=PROSPECT, account_number="C-2001")
        erp.customers[CUSTOMER] = FakeCustomer(credit_available=Decimal(10_000))
        erp.list_prices.update(
            {"MAT-0001": Decimal("45.00"), "MAT-0002": Decimal("82.50"), "MAT-0003": Decimal("120")}
        )
        erp.stock.update({"MAT-0001": Decimal(50), "MAT-0002": Decimal(10), "MAT-0003": Decimal(0)})

    @property
    def today(self) -> date:
        return self.clock().date()

    def quote(
        self,
        lines: list[tuple[str | None, str, str, str | None]] | None = None,
        *,
        status: str = "Accepted",
        account: str | None = PARTNER,
        expires_in_days: int = 30,
        currency: str = "EUR",
    ) -> str:
        """An accepted quote with lines (sku, quantity, unit price, discount %); returns its id."""
        self._quotes += 1
        quote_id = f"0Q0{self._quotes:012d}CAA"
        rows = (
            lines
            if lines is not None
            else [("MAT-0001", "2", "45.00", "5"), ("MAT-0002", "4", "82.50", None)]
        )
        self.crm.quotes[quote_id] = CrmQuote(
            id=quote_id,
            status=status,
            expiration_date=self.today + timedelta(days=expires_in_days),
            opportunity_id="006000000000001AAA",
            account=self.crm.accounts[account] if account else None,
            lines=[
                CrmQuoteLine(
                    sku=sku,
                    quantity=Decimal(quantity),
                    unit_price=Money(amount=Decimal(price), currency=currency),
                    discount_percent=Decimal(discount) if discount else None,
                )
                for sku, quantity, price, discount in rows
            ],
        )
        return quote_id


async def submit_quote_order(
    flow: OrderFlow, scenario: Scenario, *, respond_async: bool
) -> Processed:
    """The order of a new accepted quote with the scenario's usual lines, submitted."""
    return await submit_order(
        flow, OrderCreate(quote_id=scenario.quote()), respond_async=respond_async
    )


async def saved(flow: OrderFlow, order_id: str) -> OrderState:
    """The order as the flow's store holds it (it must hold it)."""
    order = await flow.store.get(order_id)
    assert order is not None
    return order


def direct_order(
    lines: list[tuple[str, str]] | None = None,
    *,
    purchase_order: str = "PO-1",
    account_number: str | None = "P-1001",
    account_id: str | None = None,
) -> OrderCreate:
    """A partner's direct order (by account number unless an id is given)."""
    return OrderCreate(
        account_id=account_id,
        account_number=None if account_id else account_number,
        purchase_order_number=purchase_order,
        lines=[
            OrderLineInput(sku=sku, quantity=Decimal(quantity))
            for sku, quantity in (lines or [("MAT-0001", "3"), ("MAT-0002", "1")])
        ],
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def crm() -> FakeCrm:
    return FakeCrm()


@pytest.fixture
def erp() -> FakeErp:
    return FakeErp()


@pytest.fixture
def scenario(crm: FakeCrm, erp: FakeErp, clock: FakeClock) -> Scenario:
    return Scenario(crm, erp, clock)


@pytest.fixture
def make_direct_order() -> object:
    """`direct_order(lines, purchase_order=..., account_number=..., account_id=...)`."""
    return direct_order


@pytest.fixture
def policy() -> OrderPolicy:
    return OrderPolicy(
        price_tolerance_percent=Decimal("1.0"),
        retry_delays=(1.0, 4.0, 16.0, 60.0),
        watchdog=timedelta(seconds=120),
        busy_recheck=timedelta(seconds=5),
    )


@pytest.fixture
def work_queue(redis_client: redis.asyncio.Redis) -> WorkQueue:
    return WorkQueue(
        redis_client,
        WORK_STREAM,
        group="quote-to-order",
        block_ms=50,
        batch_size=1,
        visibility_timeout_seconds=5,
    )


@pytest_asyncio.fixture
async def flow(
    crm: FakeCrm,
    erp: FakeErp,
    scenario: Scenario,
    clock: FakeClock,
    policy: OrderPolicy,
    work_queue: WorkQueue,
    redis_client: redis.asyncio.Redis,
) -> AsyncIterator[OrderFlow]:
    store = RedisOrderStore(
        redis_client,
        events=RedisEventPublisher(redis_client, stream=EVENT_STREAM, max_length=1000),
        prefix="{q2o-test}",
    )
    yield OrderFlow(
        crm=crm,
        erp=erp,
        store=store,
        locks=RedisOrderLocks(
            LeaseLocks(redis_client, lease_seconds=5, prefix="{q2o-test}"), store
        ),
        queue=WorkQueueOrders(work_queue),
        policy=policy,
        clock=clock,
        metrics=RecordingOrderMetrics(),
    )
