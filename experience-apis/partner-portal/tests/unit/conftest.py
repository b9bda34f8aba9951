"""The portal over in-memory ports: two partners, a small catalog, prices, stock and credit."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from partner_portal_experience.adapters.fake import FakeCrm, FakeErp, FakeOrders, MemoryCache
from partner_portal_experience.adapters.ports import CrmAccount, CrmProduct, ErpCredit
from partner_portal_experience.domain.partners import Partner
from partner_portal_experience.domain.portal import PartnerPortal, PortalPolicy
from trivium.schemas import Money


def eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


def product(number: int, **changes: object) -> CrmProduct:
    fields: dict[str, object] = {
        "id": f"01t{number:015d}",
        "name": f"Pump {number}",
        "sku": f"MAT-{number:04d}",
    }
    return CrmProduct.model_validate({**fields, **changes})


@pytest.fixture
def make_product() -> Callable[..., CrmProduct]:
    """`make_product(number, **changes)`: a CRM product `MAT-<number>`."""
    return product


@pytest.fixture
def crm() -> FakeCrm:
    return FakeCrm(
        accounts={
            "P-1001": CrmAccount(id="001A", name="Nordwind", erp_customer_number="1000001"),
            "P-1002": CrmAccount(id="001B", name="Alpen", erp_customer_number="1000002"),
            "P-1009": CrmAccount(id="001C", name="Prospect"),
        },
        products=[product(n) for n in range(1, 6)],
    )


@pytest.fixture
def erp() -> FakeErp:
    return FakeErp(
        credit={
            "1000001": ErpCredit(
                limit=Decimal(1000), exposure=Decimal(250), available=Decimal(750), currency="EUR"
            )
        },
        list_prices={f"MAT-{n:04d}": eur(f"{n}0.00") for n in range(1, 6)},
        customer_prices={("1000001", "MAT-0001"): eur("8.50")},
        stock={"MAT-0001": Decimal(100), "MAT-0002": Decimal(3), "MAT-0003": Decimal(0)},
    )


@pytest.fixture
def orders() -> FakeOrders:
    return FakeOrders(accounts={"P-1001": "001A", "P-1002": "001B"})


@pytest.fixture
def cache() -> MemoryCache:
    return MemoryCache()


@pytest.fixture
def portal(crm: FakeCrm, erp: FakeErp, orders: FakeOrders, cache: MemoryCache) -> PartnerPortal:
    return PartnerPortal(crm=crm, erp=erp, orders=orders, cache=cache, policy=PortalPolicy())


@pytest.fixture
def nordwind() -> Partner:
    return Partner(
        account_number="P-1001", account_id="001A", name="Nordwind", customer_number="1000001"
    )


@pytest.fixture
def alpen() -> Partner:
    return Partner(
        account_number="P-1002", account_id="001B", name="Alpen", customer_number="1000002"
    )
