"""Sales orders through their life: pricing, credit, committed stock, fulfillment, billing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ..support import RECORD, netsuite_error, order_body, record_id

pytestmark = pytest.mark.asyncio


async def _get(netsuite: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await netsuite.get(f"{RECORD}/{path}", params=params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _available(netsuite: httpx.AsyncClient, item: str) -> float:
    lines = (await _get(netsuite, f"inventoryItem/{item}/locations"))["items"]
    return float(sum(line["quantityAvailable"] for line in lines))


class TestCreateSalesOrder:
    async def test_customer_price_and_base_price(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.post(
            f"{RECORD}/salesOrder", json=order_body("1", ("1", 10), ("2", 1))
        )
        order = await _get(netsuite, f"salesOrder/{record_id(response)}", expandSubResources="true")
        rates = [line["rate"] for line in order["item"]["items"]]
        assert rates == [40.5, 82.5]
        assert order["total"] == 487.5
        assert order["status"]["refName"] == "Pending Fulfillment"
        assert order["orderStatus"]["id"] == "B"
        assert order["entity"]["id"] == "1"
        assert order["otherRefNum"] == "TEST-PO-1"
        assert order["tranId"].startswith("SO")

    async def test_references_by_external_id(self, netsuite: httpx.AsyncClient) -> None:
        linked = await netsuite.patch(f"{RECORD}/customer/1", json={"externalId": "SF-EID-1"})
        assert linked.status_code == 204
        body = {
            "entity": {"externalId": "SF-EID-1"},
            "item": {"items": [{"item": {"externalId": "MAT-0001"}, "quantity": 2}]},
        }
        response = await netsuite.post(f"{RECORD}/salesOrder", json=body)
        order = await _get(netsuite, f"salesOrder/{record_id(response)}")
        assert order["entity"]["id"] == "1"
        assert order["total"] == 81.0
        body["entity"] = {"externalId": "no-such-customer"}
        response = await netsuite.post(f"{RECORD}/salesOrder", json=body)
        assert netsuite_error(response, 400, "INVALID_CONTENT")["o:errorPath"] == "entity"

    async def test_given_rate_wins(self, netsuite: httpx.AsyncClient) -> None:
        body = order_body("1")
        body["item"]["items"][0]["rate"] = 10
        response = await netsuite.post(f"{RECORD}/salesOrder", json=body)
        assert (await _get(netsuite, f"salesOrder/{record_id(response)}"))["total"] == 20.0

    async def test_exposure_grows_with_open_orders(self, netsuite: httpx.AsyncClient) -> None:
        before = await _get(netsuite, "customer/4")
        await netsuite.post(f"{RECORD}/salesOrder", json=order_body("4", ("2", 10)))
        after = await _get(netsuite, "customer/4")
        assert after["unbilledOrders"] == before["unbilledOrders"] + 825.0

    async def test_credit_limit_exceeded(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.post(f"{RECORD}/salesOrder", json=order_body("3", ("2", 100)))
        detail = netsuite_error(response, 400, "USER_ERROR")
        assert "credit limit" in detail["detail"]

    async def test_blocked_customer(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.post(f"{RECORD}/salesOrder", json=order_body("50", ("2", 1)))
        netsuite_error(response, 400, "USER_ERROR")

    async def test_commits_stock(self, netsuite: httpx.AsyncClient) -> None:
        before = await _available(netsuite, "2")
        await netsuite.post(f"{RECORD}/salesOrder", json=order_body("1", ("2", 5)))
        assert await _available(netsuite, "2") == before - 5

    async def test_unknown_item(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.post(f"{RECORD}/salesOrder", json=order_body("1", ("999", 1)))
        assert netsuite_error(response, 400, "INVALID_CONTENT")["o:errorPath"] == (
            "item.items[0].item"
        )


class TestFulfillAndBill:
    async def test_pending_fulfillment_to_billed(self, netsuite: httpx.AsyncClient) -> None:
        order_id = record_id(
            await netsuite.post(f"{RECORD}/salesOrder", json=order_body("2", ("2", 4)))
        )
        stock_before = await _get(netsuite, "inventoryItem/2/locations")
        exposure_before = await _get(netsuite, "customer/2")

        shipped = await netsuite.post(f"{RECORD}/salesOrder/{order_id}/!transform/itemFulfillment")
        fulfillment = await _get(netsuite, f"itemFulfillment/{record_id(shipped)}")
        assert fulfillment["createdFrom"]["id"] == order_id
        order = await _get(netsuite, f"salesOrder/{order_id}")
        assert order["status"]["refName"] == "Pending Billing"
        on_hand = (await _get(netsuite, "inventoryItem/2/locations"))["items"][0]["quantityOnHand"]
        assert on_hand == stock_before["items"][0]["quantityOnHand"] - 4

        billed = await netsuite.post(f"{RECORD}/invoice", json={"createdFrom": {"id": order_id}})
        invoice = await _get(netsuite, f"invoice/{record_id(billed)}")
        assert invoice["total"] == 330.0
        assert invoice["amountRemaining"] == 330.0
        assert invoice["status"]["refName"] == "Open"
        assert invoice["dueDate"] > invoice["tranDate"]
        order = await _get(netsuite, f"salesOrder/{order_id}")
        assert order["status"]["refName"] == "Billed"
        customer = await _get(netsuite, "customer/2")
        assert customer["balance"] == exposure_before["balance"] + 330.0
        assert customer["unbilledOrders"] == exposure_before["unbilledOrders"] - 330.0

    async def test_partial_fulfillment(self, netsuite: httpx.AsyncClient) -> None:
        order_id = record_id(
            await netsuite.post(f"{RECORD}/salesOrder", json=order_body("1", ("2", 4), ("3", 1)))
        )
        body = {"item": {"items": [{"orderLine": 1, "quantity": 2}]}}
        await netsuite.post(f"{RECORD}/salesOrder/{order_id}/!transform/itemFulfillment", json=body)
        order = await _get(netsuite, f"salesOrder/{order_id}", expandSubResources="true")
        assert order["status"]["refName"] == "Pending Billing/Partially Fulfilled"
        assert [line["quantityFulfilled"] for line in order["item"]["items"]] == [2.0, 0.0]

    async def test_billing_needs_fulfillment(self, netsuite: httpx.AsyncClient) -> None:
        order_id = record_id(await netsuite.post(f"{RECORD}/salesOrder", json=order_body("1")))
        response = await netsuite.post(f"{RECORD}/salesOrder/{order_id}/!transform/invoice")
        netsuite_error(response, 400, "USER_ERROR")

    async def test_payment_lowers_balance(
        self, netsuite: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        open_invoices = (await netsuite.get(f"{RECORD}/invoice")).json()["items"]
        invoice = await _get(netsuite, f"invoice/{open_invoices[1]['id']}")
        customer = await _get(netsuite, f"customer/{invoice['entity']['id']}")
        response = await admin.post(f"/__admin/invoices/{invoice['id']}/payment", json={})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "B"
        after = await _get(netsuite, f"customer/{invoice['entity']['id']}")
        assert after["balance"] == customer["balance"] - invoice["amountRemaining"]
        assert after["lastModifiedDate"] >= customer["lastModifiedDate"]


class TestChangeSalesOrder:
    async def test_cancel_releases_stock(self, netsuite: httpx.AsyncClient) -> None:
        before = await _available(netsuite, "3")
        order_id = record_id(
            await netsuite.post(f"{RECORD}/salesOrder", json=order_body("1", ("3", 7)))
        )
        response = await netsuite.patch(
            f"{RECORD}/salesOrder/{order_id}", json={"orderStatus": {"id": "C"}}
        )
        assert response.status_code == 204, response.text
        assert await _available(netsuite, "3") == before
        order = await _get(netsuite, f"salesOrder/{order_id}")
        assert order["status"]["refName"] == "Cancelled"

    async def test_fulfilled_order_cannot_be_deleted(self, netsuite: httpx.AsyncClient) -> None:
        netsuite_error(await netsuite.delete(f"{RECORD}/salesOrder/1"), 400, "USER_ERROR")


class TestAdminStock:
    async def test_set_on_hand(self, netsuite: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
        response = await admin.put("/__admin/stock/10/1", json={"quantityOnHand": 25})
        assert response.status_code == 204, response.text
        assert await _available(netsuite, "10") == 25.0

    async def test_unknown_item(self, admin: httpx.AsyncClient) -> None:
        response = await admin.put("/__admin/stock/999/1", json={"quantityOnHand": 1})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")

    async def test_needs_token(self, anonymous: httpx.AsyncClient) -> None:
        response = await anonymous.put("/__admin/stock/10/1", json={"quantityOnHand": 25})
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")


class TestUndo:
    async def test_delete_invoice_then_fulfillment(self, netsuite: httpx.AsyncClient) -> None:
        order_id = record_id(
            await netsuite.post(f"{RECORD}/salesOrder", json=order_body("1", ("4", 3)))
        )
        on_hand = (await _get(netsuite, "inventoryItem/4/locations"))["items"][0]["quantityOnHand"]
        shipped = record_id(
            await netsuite.post(f"{RECORD}/salesOrder/{order_id}/!transform/itemFulfillment")
        )
        billed = record_id(
            await netsuite.post(f"{RECORD}/salesOrder/{order_id}/!transform/invoice")
        )
        netsuite_error(
            await netsuite.delete(f"{RECORD}/itemFulfillment/{shipped}"), 400, "USER_ERROR"
        )
        assert (await netsuite.delete(f"{RECORD}/invoice/{billed}")).status_code == 204
        order = await _get(netsuite, f"salesOrder/{order_id}")
        assert order["status"]["refName"] == "Pending Billing"
        assert (await netsuite.delete(f"{RECORD}/itemFulfillment/{shipped}")).status_code == 204
        order = await _get(netsuite, f"salesOrder/{order_id}")
        assert order["status"]["refName"] == "Pending Fulfillment"
        locations = await _get(netsuite, "inventoryItem/4/locations")
        assert locations["items"][0]["quantityOnHand"] == on_hand

    async def test_paid_invoice_stays(self, netsuite: httpx.AsyncClient) -> None:
        paid = (await netsuite.get(f"{RECORD}/invoice")).json()["items"][0]["id"]
        netsuite_error(await netsuite.delete(f"{RECORD}/invoice/{paid}"), 400, "USER_ERROR")
