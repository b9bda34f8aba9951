"""Unit-test wiring: the views and the order desk over the in-memory lower tiers and cache.

`crm` holds three accounts: Anna's linked partner (ERP customer 1000001), Anna's unlinked
prospect and Lukas's partner, and a quote of each partner (ANNAS_QUOTE, LUKAS_QUOTE); `erp` has
orders, an invoice and credit for 1000001.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from mobile_experience.adapters.fake import (
    FakeCrm,
    FakeCustomers,
    FakeErp,
    FakeOrders,
    MemoryCache,
    RecordingViewMetrics,
)
from mobile_experience.adapters.ports import (
    CrmAccount,
    CrmAddress,
    CrmContact,
    CrmOverview,
    CrmQuote,
    CrmQuoteAccount,
    ErpCredit,
    ErpInvoice,
    ErpOrder,
    ProcessOrder,
)
from mobile_experience.domain.accounts import CustomerViews, ViewPolicy
from mobile_experience.domain.models import OpportunityCard, Rep
from mobile_experience.domain.orders import OrderDesk
from trivium.schemas import Money

ANNA = Rep(username="anna.becker@trivium.demo", consumer="rep-anna")
LUKAS = Rep(username="lukas.schmidt@trivium.demo", consumer="rep-lukas")
PARTNER = "001000000000001AAA"
PROSPECT = "001000000000004AAA"
OTHERS = "001000000000003AAA"
ANNAS_QUOTE = "0Q0000000000001AAA"
LUKAS_QUOTE = "0Q0000000000002AAA"


def eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


def overview(account_id: str, owner: str, *, erp: str | None, name: str) -> CrmOverview:
    return CrmOverview(
        account=CrmAccount(
            id=account_id,
            name=name,
            account_number=f"N-{account_id[-4:]}",
            erp_customer_number=erp,
            billing_address=CrmAddress(city="Hamburg", street="Kai 1", country="Germany"),
        ),
        owner_username=owner,
        contacts=[
            CrmContact(id="003000000000001AAA", first_name="Lena", last_name="Koch", title="CFO"),
            CrmContact(id="003000000000002AAA", last_name="Weber"),
        ],
        open_opportunities=[
            OpportunityCard(
                id="006000000000001AAA",
                name="Pumps",
                stage="Prospecting",
                amount=eur("5000"),
                close_date=date(2026, 12, 1),
            )
        ],
    )


@pytest.fixture
def crm() -> FakeCrm:
    return FakeCrm(
        overviews={
            PARTNER: overview(PARTNER, ANNA.username, erp="1000001", name="Nordwind"),
            PROSPECT: overview(PROSPECT, ANNA.username, erp=None, name="Adler"),
            OTHERS: overview(OTHERS, LUKAS.username, erp="1000003", name="Rhein"),
        },
        quotes={
            ANNAS_QUOTE: CrmQuote(
                id=ANNAS_QUOTE,
                account=CrmQuoteAccount(id=PARTNER, owner_username=ANNA.username.upper()),
            ),
            LUKAS_QUOTE: CrmQuote(
                id=LUKAS_QUOTE, account=CrmQuoteAccount(id=OTHERS, owner_username=LUKAS.username)
            ),
        },
    )


@pytest.fixture
def erp() -> FakeErp:
    return FakeErp(
        orders={
            "1000001": [
                ErpOrder(id="5000001", status="open", total=eur("120.50"), external_reference="Q")
            ]
        },
        invoices={
            "1000001": [
                ErpInvoice(
                    id="9000001", status="open", net_amount=eur("100"), gross_amount=eur("119")
                )
            ]
        },
        credits={
            "1000001": ErpCredit(
                limit=Decimal(50000),
                exposure=Decimal("1200.5"),
                available=Decimal("48799.5"),
                currency="EUR",
                blocked=False,
            )
        },
    )


@pytest.fixture
def cache() -> MemoryCache:
    return MemoryCache()


@pytest.fixture
def metrics() -> RecordingViewMetrics:
    return RecordingViewMetrics()


@pytest.fixture
def views(
    crm: FakeCrm, erp: FakeErp, cache: MemoryCache, metrics: RecordingViewMetrics
) -> CustomerViews:
    return CustomerViews(
        crm=crm,
        erp=erp,
        cache=cache,
        policy=ViewPolicy(section_timeout_seconds=0.2),
        metrics=metrics,
    )


def _process_order(account_id: str | None) -> ProcessOrder:
    moment = datetime(2026, 6, 1, 10, tzinfo=UTC)
    return ProcessOrder(
        order_id="01JA0000000000000000000001",
        status="completed",
        quote_id="0Q0000000000001AAA",
        account_id=account_id,
        erp_order_number="5000002",
        created_at=moment,
        updated_at=moment,
    )


@pytest.fixture
def process_order() -> ProcessOrder:
    """An order whose account quote-to-order has not read yet."""
    return _process_order(None)


@pytest.fixture
def partner_order() -> ProcessOrder:
    """A completed order of Anna's partner account."""
    return _process_order(PARTNER)


@pytest.fixture
def orders() -> FakeOrders:
    return FakeOrders()


@pytest.fixture
def desk(orders: FakeOrders, views: CustomerViews, cache: MemoryCache) -> OrderDesk:
    return OrderDesk(
        orders=orders,
        customers=FakeCustomers(),
        views=views,
        cache=cache,
        placer_retention_seconds=60,
    )
