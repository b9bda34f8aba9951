"""Shaping the catalog: availability wording, the partner's prices, one ERP read per page, the
brief cache, and degradation when the ERP is down."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from partner_portal_experience.adapters.fake import FakeCrm, FakeErp, MemoryCache
from partner_portal_experience.domain.catalog import availability_of, browse_catalog
from partner_portal_experience.domain.partners import Partner
from partner_portal_experience.domain.portal import PartnerPortal

from .conftest import eur


class TestAvailabilityOf:
    @pytest.mark.parametrize(
        ("quantity", "status"),
        [
            ("0", "out_of_stock"),
            ("-2", "out_of_stock"),
            ("0.5", "low"),
            ("9.999", "low"),
            ("10", "in_stock"),
            ("250", "in_stock"),
        ],
    )
    def test_status_by_quantity(self, quantity: str, status: str) -> None:
        availability = availability_of(Decimal(quantity), low_below=Decimal(10))
        assert availability.status == status
        assert availability.quantity == max(Decimal(quantity), Decimal(0))

    def test_unknown_without_a_quantity(self) -> None:
        availability = availability_of(None, low_below=Decimal(10))
        assert (availability.status, availability.quantity) == ("unknown", None)


class TestBrowseCatalog:
    @pytest.mark.asyncio
    async def test_partner_prices_and_stock_from_one_availability_read(
        self, portal: PartnerPortal, erp: FakeErp, nordwind: Partner, alpen: Partner
    ) -> None:
        page = await browse_catalog(portal, nordwind, search=None, limit=3, cursor=None)
        assert [item.sku for item in page.items] == ["MAT-0001", "MAT-0002", "MAT-0003"]
        assert [item.unit_price for item in page.items] == [
            eur("8.50"),
            eur("20.00"),
            eur("30.00"),
        ]
        assert [item.availability.status for item in page.items] == [
            "in_stock",
            "low",
            "out_of_stock",
        ]
        assert erp.calls == {"prices": 1, "availability": 1}
        assert page.next_cursor is not None
        other = await browse_catalog(portal, alpen, search=None, limit=3, cursor=None)
        assert other.items[0].unit_price == eur("10.00")

    @pytest.mark.asyncio
    async def test_a_page_read_again_comes_from_the_cache(
        self, portal: PartnerPortal, crm: FakeCrm, erp: FakeErp, nordwind: Partner
    ) -> None:
        first = await browse_catalog(portal, nordwind, search="Pump", limit=2, cursor=None)
        again = await browse_catalog(portal, nordwind, search="Pump", limit=2, cursor=None)
        assert again == first
        assert (crm.calls, erp.calls["availability"]) == (1, 1)

    @pytest.mark.asyncio
    async def test_products_that_cannot_be_ordered_are_left_out(
        self, portal: PartnerPortal, crm: FakeCrm, nordwind: Partner, make_product: Any
    ) -> None:
        crm.products = [
            make_product(1),
            make_product(2, sku=None),
            make_product(3, is_active=False),
        ]
        page = await browse_catalog(portal, nordwind, search=None, limit=10, cursor=None)
        assert [item.sku for item in page.items] == ["MAT-0001"]

    @pytest.mark.asyncio
    async def test_erp_down_lists_products_without_prices_and_keeps_nothing(
        self, portal: PartnerPortal, erp: FakeErp, cache: MemoryCache, nordwind: Partner
    ) -> None:
        erp.down = True
        page = await browse_catalog(portal, nordwind, search=None, limit=2, cursor=None)
        assert [(i.unit_price, i.availability.status) for i in page.items] == [
            (None, "unknown"),
            (None, "unknown"),
        ]
        assert cache.values == {}

    @pytest.mark.asyncio
    async def test_a_partner_without_erp_customer_sees_stock_but_no_price(
        self, portal: PartnerPortal, erp: FakeErp
    ) -> None:
        prospect = Partner(account_number="P-1009", account_id="001C", name="Prospect")
        page = await browse_catalog(portal, prospect, search=None, limit=1, cursor=None)
        assert page.items[0].unit_price is None
        assert page.items[0].availability.status == "in_stock"
        assert "prices" not in erp.calls
