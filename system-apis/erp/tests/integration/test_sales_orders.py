"""Sales orders, their status, invoices and simulation against the running S/4HANA emulator."""

from __future__ import annotations

import asyncio
import secrets
from decimal import Decimal
from typing import Any

import httpx
import pytest

from .conftest import sap_calls, sap_rows

pytestmark = pytest.mark.asyncio

CUSTOMER = "1000002"


def reference() -> str:
    return f"SF-IT-{secrets.token_hex(5).upper()}"


def order(ref: str, customer: str = CUSTOMER, **extra: Any) -> dict[str, Any]:
    return {
        "customerId": customer,
        "externalReference": ref,
        "lines": [{"sku": "MAT-0002", "quantity": "2"}, {"sku": "MAT-0003", "quantity": "1"}],
        **extra,
    }


async def new_order(erp: httpx.AsyncClient) -> tuple[dict[str, Any], str]:
    """A sales order placed for a new reference, and its path."""
    created: dict[str, Any] = (await erp.post("/sales-orders", json=order(reference()))).json()
    return created, f"/sales-orders/{created['id']}"


async def advance(admin: httpx.AsyncClient, order_id: str) -> None:
    """The S/4HANA emulator moves the sales order one step on: delivered, then billed."""
    await admin.post("/lifecycle/advance", json={"salesOrder": order_id})


async def orders_in_sap(sap: httpx.AsyncClient, ref: str) -> list[str]:
    rows = await sap_rows(
        sap,
        "API_SALES_ORDER_SRV/A_SalesOrder",
        **{"$filter": f"PurchaseOrderByCustomer eq '{ref}' and SoldToParty eq '{CUSTOMER}'"},
    )
    return [row["SalesOrder"] for row in rows]


class TestCreateSalesOrder:
    async def test_created_priced_with_lines_and_open(
        self, erp: httpx.AsyncClient, sap: httpx.AsyncClient
    ) -> None:
        ref = reference()
        response = await erp.post(
            "/sales-orders", json=order(ref, requestedDeliveryDate="2030-06-01")
        )
        assert response.status_code == 201
        created = response.json()
        assert created["status"] == "open"
        assert created["externalReference"] == ref
        assert [line["sku"] for line in created["lines"]] == ["MAT-0002", "MAT-0003"]
        assert created["requestedDeliveryDate"] == "2030-06-01"
        assert Decimal(created["total"]["amount"]) == sum(
            Decimal(line["netAmount"]["amount"]) for line in created["lines"]
        )
        assert await orders_in_sap(sap, ref) == [created["id"]]

    async def test_repeated_create_returns_the_same_order(
        self, erp: httpx.AsyncClient, sap: httpx.AsyncClient
    ) -> None:
        ref = reference()
        first = await erp.post("/sales-orders", json=order(ref))
        again = await erp.post("/sales-orders", json=order(ref))
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["id"] == first.json()["id"]
        assert await orders_in_sap(sap, ref) == [first.json()["id"]]

    async def test_concurrent_creates_make_one_order(
        self, erp: httpx.AsyncClient, sap: httpx.AsyncClient
    ) -> None:
        ref = reference()
        answers = await asyncio.gather(
            *(erp.post("/sales-orders", json=order(ref)) for _ in range(4))
        )
        assert sorted(answer.status_code for answer in answers) == [200, 200, 200, 201]
        assert len(await orders_in_sap(sap, ref)) == 1

    async def test_unknown_material_is_422_pointing_at_the_lines(
        self, erp: httpx.AsyncClient
    ) -> None:
        body = order(reference(), lines=[{"sku": "NO-SUCH-SKU", "quantity": "1"}])
        response = await erp.post("/sales-orders", json=body)
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"].endswith("/erp-rejected")
        assert problem["errors"][0]["pointer"] == "/lines/sku"

    async def test_order_blocked_customer_is_422(self, erp: httpx.AsyncClient) -> None:
        response = await erp.post("/sales-orders", json=order(reference(), customer="1000049"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/customerId"


class TestSalesOrderVersions:
    async def test_change_under_an_old_etag_is_412(self, erp: httpx.AsyncClient) -> None:
        _, path = await new_order(erp)
        etag = (await erp.get(path)).headers["etag"]
        changed = await erp.patch(
            path, json={"requestedDeliveryDate": "2030-07-01"}, headers={"If-Match": etag}
        )
        assert changed.status_code == 200
        assert changed.headers["etag"] != etag
        stale = await erp.patch(
            path, json={"requestedDeliveryDate": "2030-07-02"}, headers={"If-Match": etag}
        )
        assert stale.status_code == 412
        assert stale.json()["type"].endswith("/version-mismatch")
        assert (await erp.get(path)).json()["requestedDeliveryDate"] == "2030-07-01"

    async def test_change_by_sap_meanwhile_is_412(
        self, erp: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        created, path = await new_order(erp)
        etag = (await erp.get(path)).headers["etag"]
        await advance(admin, created["id"])
        stale = await erp.patch(
            path, json={"requestedDeliveryDate": "2030-07-02"}, headers={"If-Match": etag}
        )
        assert stale.status_code == 412


class TestLifecycle:
    async def test_open_delivered_billed_with_an_open_invoice(
        self, erp: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        created, path = await new_order(erp)
        credit_before = (await erp.get(f"/customers/{CUSTOMER}/credit")).json()
        await advance(admin, created["id"])
        delivered = (await erp.get(path)).json()
        assert (delivered["status"], delivered["deliveryStatus"]) == ("delivered", "complete")
        await advance(admin, created["id"])
        billed = (await erp.get(path)).json()
        assert (billed["status"], billed["billingStatus"]) == ("billed", "complete")
        invoices = (await erp.get(f"/customers/{CUSTOMER}/invoices", params={"limit": 200})).json()
        mine = [i for i in invoices["items"] if i["salesOrderId"] == created["id"]]
        assert len(mine) == 1
        assert mine[0]["status"] == "open"
        assert mine[0]["netAmount"] == created["total"]
        credit_after = (await erp.get(f"/customers/{CUSTOMER}/credit")).json()
        order_value = Decimal(created["total"]["amount"])
        assert (
            Decimal(credit_after["openOrders"])
            == Decimal(credit_before["openOrders"]) - order_value
        )
        assert Decimal(credit_after["openInvoices"]) == Decimal(
            credit_before["openInvoices"]
        ) + Decimal(mine[0]["grossAmount"]["amount"])


class TestListSalesOrders:
    async def test_customers_orders_newest_first(self, erp: httpx.AsyncClient) -> None:
        first = (await erp.post("/sales-orders", json=order(reference()))).json()
        second = (await erp.post("/sales-orders", json=order(reference()))).json()
        page = (await erp.get(f"/customers/{CUSTOMER}/sales-orders", params={"limit": 2})).json()
        assert [o["id"] for o in page["items"]] == [second["id"], first["id"]]
        assert page["nextCursor"] is not None

    async def test_unknown_customer_is_404(self, erp: httpx.AsyncClient) -> None:
        assert (await erp.get("/customers/9999998/sales-orders")).status_code == 404


class TestSimulate:
    async def test_customer_price_stock_and_credit_without_an_order(
        self, erp: httpx.AsyncClient, sap: httpx.AsyncClient
    ) -> None:
        before = await sap_rows(
            sap, "API_SALES_ORDER_SRV/A_SalesOrder", **{"$filter": "SoldToParty eq '1000001'"}
        )
        body = {
            "customerId": "1000001",
            "lines": [{"sku": "MAT-0001", "quantity": "2"}, {"sku": "MAT-0010", "quantity": "1"}],
        }
        result = (await erp.post("/sales-orders:simulate", json=body)).json()
        own_price = result["lines"][0]["unitPrice"]
        list_price = (await erp.get("/products/MAT-0001")).json()["unitPrice"]
        assert Decimal(own_price["amount"]) < Decimal(list_price["amount"])
        assert [line["inStock"] for line in result["lines"]] == [True, False]
        assert (result["priced"], result["inStock"], result["creditOk"]) == (True, False, True)
        after = await sap_rows(
            sap, "API_SALES_ORDER_SRV/A_SalesOrder", **{"$filter": "SoldToParty eq '1000001'"}
        )
        assert len(after) == len(before)

    async def test_order_that_fits_costs_the_simulation_and_the_stock(
        self, erp: httpx.AsyncClient, sap: httpx.AsyncClient
    ) -> None:
        body = {
            "customerId": "1000002",
            "lines": [
                {"sku": "MAT-0002", "quantity": "2"},
                {"sku": "MAT-0004", "quantity": "1", "unitPrice": "150.00"},
            ],
        }
        await erp.post("/sales-orders:simulate", json=body)  # the CSRF tokens, once
        before = await sap_calls(erp)
        result = (await erp.post("/sales-orders:simulate", json=body)).json()
        assert await sap_calls(erp) - before == 2
        assert [Decimal(line["listPrice"]["amount"]) for line in result["lines"]] == [
            Decimal("82.5"),
            Decimal("156.5"),
        ]
        assert result["total"]["amount"] == "315.00"
        assert (result["creditOk"], result["credit"]) == (True, None)

    async def test_unknown_customer_is_404(self, erp: httpx.AsyncClient) -> None:
        body = {"customerId": "9999998", "lines": [{"sku": "MAT-0001", "quantity": "1"}]}
        response = await erp.post("/sales-orders:simulate", json=body)
        assert response.status_code == 404
        assert response.json()["type"].endswith("/customer-not-found")

    async def test_credit_blocked_customer_is_not_credit_ok(self, erp: httpx.AsyncClient) -> None:
        body = {"customerId": "1000050", "lines": [{"sku": "MAT-0001", "quantity": "1"}]}
        result = (await erp.post("/sales-orders:simulate", json=body)).json()
        assert result["credit"]["blocked"] is True
        assert result["creditOk"] is False
