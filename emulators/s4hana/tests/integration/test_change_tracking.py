"""A partner's change stamp follows changes of its customer data; generated catalogs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from ..support import ADMIN, BP, CREDIT, PRICES, STOCK, USER, Sap

pytestmark = pytest.mark.asyncio


async def partner(sap: Sap, customer: str) -> dict[str, Any]:
    response = await sap.get(f"{BP}/A_BusinessPartner('{customer}')")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["d"]
    return data


class TestPartnerChangeStamp:
    async def test_credit_limit_change_stamps_the_partner(self, sap: Sap) -> None:
        assert (await partner(sap, "1000007"))["LastChangedByUser"] != USER

        response = await sap.patch(
            f"{CREDIT}/CreditManagementAccount(BusinessPartner='1000007',CreditSegment='1000')",
            json={"CreditLimitAmount": "12345.000"},
        )

        assert response.status_code == 204, response.text
        assert (await partner(sap, "1000007"))["LastChangedByUser"] == USER

    async def test_sales_area_change_stamps_the_partner(self, sap: Sap) -> None:
        response = await sap.patch(
            f"{BP}/A_CustomerSalesArea(Customer='1000008',SalesOrganization='1010',"
            "DistributionChannel='10',Division='00')",
            json={"CustomerPaymentTerms": "0002"},
        )

        assert response.status_code == 204, response.text
        assert (await partner(sap, "1000008"))["LastChangedByUser"] == USER


class TestGenerateCatalog:
    async def test_materials_with_stock_and_price(
        self, sap: Sap, anonymous: httpx.AsyncClient
    ) -> None:
        response = await anonymous.post(
            "/__admin/catalog/generate", json={"count": 3, "prefix": "T-"}, headers=ADMIN
        )

        assert response.json() == {"count": 3, "first": "T-000001", "last": "T-000003"}
        stock = await sap.get(
            f"{STOCK}/A_MatlStkInAcctMod", params={"$filter": "Material eq 'T-000002'"}
        )
        quantity = stock.json()["d"]["results"][0]["MatlWrhsStkQtyInMatlBaseUnit"]
        assert Decimal(quantity) == 34
        prices = await sap.get(
            f"{PRICES}/A_SlsPrcgCndnRecdValidity",
            params={"$filter": "Material eq 'T-000002'", "$expand": "to_SlsPrcgConditionRecord"},
        )
        [price] = prices.json()["d"]["results"]
        assert price["to_SlsPrcgConditionRecord"]["ConditionRateValue"] == "72.500"

    async def test_existing_numbers_are_skipped(
        self, sap: Sap, anonymous: httpx.AsyncClient
    ) -> None:
        for _ in range(2):
            await anonymous.post(
                "/__admin/catalog/generate", json={"count": 2, "prefix": "T-"}, headers=ADMIN
            )

        products = await sap.get(
            "/sap/opu/odata/sap/API_PRODUCT_SRV/A_Product/$count",
            params={"$filter": "startswith(Product,'T-') eq true"},
        )
        assert products.text == "2"

    async def test_invalid_count(self, anonymous: httpx.AsyncClient) -> None:
        response = await anonymous.post(
            "/__admin/catalog/generate", json={"count": 0}, headers=ADMIN
        )

        assert response.status_code == 422
