"""Products with prices and availability against the running S/4HANA emulator."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from .conftest import sap_calls, sap_rows

SEEDED = [f"MAT-{n:04d}" for n in range(1, 41)]


class TestListProducts:
    @pytest.mark.asyncio
    async def test_every_material_once_across_pages_each_with_a_price(
        self, erp: httpx.AsyncClient
    ) -> None:
        items: list[dict[str, object]] = []
        cursor = None
        for _ in range(5):
            params = {"limit": "15", **({"cursor": cursor} if cursor else {})}
            page = (await erp.get("/products", params=params)).json()
            items += page["items"]
            cursor = page["nextCursor"]
            if cursor is None:
                break
        assert [item["sku"] for item in items] == SEEDED
        assert all(item["unitPrice"] is not None for item in items)
        assert items[0]["name"] == "Centrifugal Pump 100"

    @pytest.mark.asyncio
    async def test_search_by_name(self, erp: httpx.AsyncClient) -> None:
        page = (await erp.get("/products", params={"search": "pump"})).json()
        assert page["items"]
        assert all("Pump" in item["name"] for item in page["items"])


class TestGetProduct:
    @pytest.mark.asyncio
    async def test_list_price(self, erp: httpx.AsyncClient, sap: httpx.AsyncClient) -> None:
        product = (await erp.get("/products/MAT-0002")).json()
        records = await sap_rows(
            sap,
            "API_SLSPRICINGCONDITIONRECORD_SRV/A_SlsPrcgCndnRecdValidity",
            **{"$filter": "Material eq 'MAT-0002'", "$expand": "to_SlsPrcgConditionRecord"},
        )
        rate = records[0]["to_SlsPrcgConditionRecord"]["ConditionRateValue"]
        assert Decimal(product["unitPrice"]["amount"]) == Decimal(rate)
        assert product["baseUnit"] == "PC"

    @pytest.mark.asyncio
    async def test_unknown_sku_is_404(self, erp: httpx.AsyncClient) -> None:
        response = await erp.get("/products/NO-SUCH-SKU")
        assert response.status_code == 404
        assert response.json()["type"].endswith("/product-not-found")


# 123 pieces of MAT-0007 in a storage location of plant 1010, or at location 1 (item id 7).
STOCK_CHANGES = {
    "s4hana": ("/stock/MAT-0007/1010", {"quantity": "123", "storageLocation": "101B"}),
    "netsuite": ("/stock/7/1", {"quantityOnHand": "123"}),
}


class TestAvailability:
    @pytest.mark.asyncio
    async def test_fifty_skus_cost_one_sap_round_trip(
        self, erp: httpx.AsyncClient, sap: httpx.AsyncClient
    ) -> None:
        skus = SEEDED + [f"UNKNOWN-{n}" for n in range(10)]
        (await erp.post("/availability", json={"skus": skus[:1]})).raise_for_status()  # token
        before = await sap_calls(erp)
        response = await erp.post("/availability", json={"skus": skus})
        assert await sap_calls(erp) - before == 1
        items = {item["sku"]: Decimal(item["quantity"]) for item in response.json()["items"]}
        assert len(items) == 50
        stock = await sap_rows(
            sap,
            "API_MATERIAL_STOCK_SRV/A_MatlStkInAcctMod",
            **{"$filter": "Plant eq '1010' and InventoryStockType eq '01'", "$top": "1000"},
        )
        expected: dict[str, Decimal] = {}
        for row in stock:
            quantity = Decimal(row["MatlWrhsStkQtyInMatlBaseUnit"])
            expected[row["Material"]] = expected.get(row["Material"], Decimal(0)) + quantity
        assert {sku: items[sku] for sku in SEEDED} == {
            sku: expected.get(sku, Decimal(0)) for sku in SEEDED
        }
        assert items["MAT-0010"] == 0
        assert items["UNKNOWN-3"] == 0

    @pytest.mark.asyncio
    async def test_stock_change_in_the_erp_is_seen_at_once(
        self, erp: httpx.AsyncClient, admin: httpx.AsyncClient, backend: str
    ) -> None:
        path, change = STOCK_CHANGES[backend]
        (await admin.put(path, json=change)).raise_for_status()
        before = (await erp.get("/availability", params={"skus": "MAT-0008"})).json()
        after = (await erp.get("/availability", params={"skus": "MAT-0007,MAT-0008"})).json()
        quantities = {item["sku"]: Decimal(item["quantity"]) for item in after["items"]}
        assert quantities["MAT-0007"] >= 123
        assert quantities["MAT-0008"] == Decimal(before["items"][0]["quantity"])


class TestPrices:
    @pytest.mark.asyncio
    async def test_a_customers_own_price_wins_over_the_list_price(
        self, erp: httpx.AsyncClient
    ) -> None:
        skus = {"skus": "MAT-0001,MAT-0002,NO-SUCH-SKU"}
        own = (await erp.get("/prices", params={**skus, "customerId": "1000001"})).json()
        other = (await erp.get("/prices", params={**skus, "customerId": "1000002"})).json()
        listed = (await erp.get("/products/MAT-0001")).json()["unitPrice"]
        assert [item["sku"] for item in own["items"]] == ["MAT-0001", "MAT-0002", "NO-SUCH-SKU"]
        assert other["items"][0]["unitPrice"] == listed
        assert own["items"][0]["unitPrice"] != listed
        assert own["items"][0]["unitPrice"]["currency"] == "EUR"
        assert own["items"][1]["unitPrice"] == other["items"][1]["unitPrice"]
        assert own["items"][2]["unitPrice"] is None
