"""Partner orders through the running stack: placed, followed, scoped to the partner."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.asyncio

PROBLEMS = "https://trivium.dev/problems/"


class TestCreateOrder:
    async def test_placed_in_both_systems_and_completed(
        self, gold: httpx.AsyncClient, ordering: Any, world: Any
    ) -> None:
        body = ordering.body(("MAT-0002", 2), ("MAT-0003", 1))
        response = await ordering.place(gold, body)
        assert response.status_code == 201, response.text
        order = response.json()
        assert response.headers["location"] == f"/partner/v1/orders/{order['orderId']}"
        assert order["status"] == "completed"
        assert order["purchaseOrderNumber"] == body["purchaseOrderNumber"]
        assert "failure" not in order
        prices = await world.erp_json("/prices", skus="MAT-0002,MAT-0003", customerId="1000001")
        unit = {row["sku"]: Decimal(row["unitPrice"]["amount"]) for row in prices["items"]}
        assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [
            ("MAT-0002", "2"),
            ("MAT-0003", "1"),
        ]
        expected = unit["MAT-0002"] * 2 + unit["MAT-0003"]
        assert Decimal(order["total"]["amount"]) == expected
        erp_order = await world.erp_json(f"/sales-orders/{order['erpOrderNumber']}")
        assert erp_order["customerId"] == "1000001"
        assert erp_order["externalReference"] == body["purchaseOrderNumber"]
        assert (order["deliveryStatus"], order["billingStatus"]) == (
            erp_order["deliveryStatus"],
            erp_order["billingStatus"],
        )

    async def test_respond_async_is_202_and_then_completed(
        self, silver: httpx.AsyncClient, ordering: Any
    ) -> None:
        response = await ordering.place(
            silver, ordering.body(("MAT-0004", 1)), Prefer="respond-async"
        )
        assert response.status_code == 202, response.text
        assert response.headers["preference-applied"] == "respond-async"
        order_id = response.json()["orderId"]
        assert response.headers["location"] == f"/partner/v1/orders/{order_id}"
        done = await ordering.wait(silver, order_id, until="completed")
        assert done["erpOrderNumber"]
        assert done["deliveryStatus"] == "not_started"

    async def test_repeat_with_the_same_key_replays_the_first_answer(
        self, gold: httpx.AsyncClient, ordering: Any
    ) -> None:
        body = ordering.body(("MAT-0006", 1))
        first = await ordering.place(gold, body, **{"Idempotency-Key": "partner-repeat-1"})
        second = await ordering.place(gold, body, **{"Idempotency-Key": "partner-repeat-1"})
        assert first.status_code == second.status_code == 201
        assert second.json()["orderId"] == first.json()["orderId"]
        assert second.headers["idempotent-replayed"] == "true"
        changed = {**body, "lines": [{"sku": "MAT-0006", "quantity": "2"}]}
        reused = await ordering.place(gold, changed, **{"Idempotency-Key": "partner-repeat-1"})
        assert reused.status_code == 422

    async def test_same_purchase_order_number_again_is_409(
        self, gold: httpx.AsyncClient, ordering: Any
    ) -> None:
        body = ordering.body(("MAT-0007", 1))
        assert (await ordering.place(gold, body)).status_code == 201
        again = await ordering.place(gold, body)
        assert again.status_code == 409
        assert again.json()["type"] == PROBLEMS + "duplicate-purchase-order"

    async def test_a_rule_that_refuses_the_order_is_named(
        self, gold: httpx.AsyncClient, ordering: Any
    ) -> None:
        response = await ordering.place(gold, ordering.body(("MAT-0010", 1)))
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"] == PROBLEMS + "insufficient-stock"
        failed = await gold.get(f"/partner/v1/orders/{problem['orderId']}")
        assert failed.json()["status"] == "failed"
        assert failed.json()["failure"]["type"] == PROBLEMS + "insufficient-stock"

    async def test_an_account_in_the_body_is_refused(
        self, gold: httpx.AsyncClient, ordering: Any
    ) -> None:
        for field, value in (("accountNumber", "P-1002"), ("accountId", "001000000000002AAA")):
            body = ordering.body(("MAT-0002", 1), **{field: value})
            response = await ordering.place(gold, body)
            assert response.status_code == 422, response.text
            assert [error["pointer"] for error in response.json()["errors"]] == [f"/{field}"]

    async def test_without_idempotency_key_is_400(
        self, gold: httpx.AsyncClient, ordering: Any
    ) -> None:
        response = await gold.post("/partner/v1/orders", json=ordering.body(("MAT-0002", 1)))
        assert response.status_code == 400
        assert response.json()["type"] == PROBLEMS + "idempotency-key-missing"

    async def test_without_identity_is_401(
        self, anonymous: httpx.AsyncClient, ordering: Any
    ) -> None:
        response = await ordering.place(anonymous, ordering.body(("MAT-0002", 1)))
        assert response.status_code == 401

    async def test_bad_lines_are_422_with_field_errors(
        self, gold: httpx.AsyncClient, ordering: Any
    ) -> None:
        body = ordering.body(("MAT-0002", 0), ("bad sku!", 1))
        response = await ordering.place(gold, body)
        assert response.status_code == 422
        pointers = {error["pointer"] for error in response.json()["errors"]}
        assert pointers == {"/lines/0/quantity", "/lines/1/sku"}


class TestGetOrder:
    async def test_another_partners_order_is_404(
        self, gold: httpx.AsyncClient, silver: httpx.AsyncClient, ordering: Any
    ) -> None:
        order = (await ordering.place(silver, ordering.body(("MAT-0008", 1)))).json()
        assert (await silver.get(f"/partner/v1/orders/{order['orderId']}")).status_code == 200
        theirs = await gold.get(f"/partner/v1/orders/{order['orderId']}")
        missing = await gold.get("/partner/v1/orders/01J00000000000000000000000")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["type"] == missing.json()["type"] == PROBLEMS + "order-not-found"

    async def test_delivery_and_billing_follow_the_erp(
        self, gold: httpx.AsyncClient, ordering: Any, world: Any
    ) -> None:
        order = (await ordering.place(gold, ordering.body(("MAT-0009", 1)))).json()
        number = order["erpOrderNumber"]
        advance = await world.s4_admin.post("/lifecycle/advance", json={"salesOrder": number})
        assert advance.json()["delivered"] == [number]
        erp_order = await world.erp_json(f"/sales-orders/{number}")
        assert erp_order["deliveryStatus"] == "complete"
        read = (await gold.get(f"/partner/v1/orders/{order['orderId']}")).json()
        assert read["deliveryStatus"] == "complete"
        assert read["billingStatus"] == erp_order["billingStatus"]

    async def test_malformed_id_is_422(self, gold: httpx.AsyncClient) -> None:
        assert (await gold.get("/partner/v1/orders/not-an-id")).status_code == 422


class TestListOrders:
    async def test_cursor_paging_visits_each_own_order_once(
        self, portal_stack: Any, ordering: Any, partners: Any
    ) -> None:
        own = partners("P-1002")
        other = partners("P-1001")
        placed = []
        for _ in range(5):
            response = await ordering.place(own, ordering.body(("MAT-0011", 1)))
            assert response.status_code == 201, response.text
            placed.append(response.json()["orderId"])
        await ordering.place(other, ordering.body(("MAT-0011", 1)))
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            page = (await own.get("/partner/v1/orders", params=params)).json()
            seen += [order["orderId"] for order in page["items"]]
            cursor = page["nextCursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen))
        assert set(placed) <= set(seen)
        assert seen[:5] == list(reversed(placed))
        theirs = (await other.get("/partner/v1/orders", params={"limit": "200"})).json()
        assert not set(seen) & {order["orderId"] for order in theirs["items"]}

    async def test_status_filter(self, gold: httpx.AsyncClient, ordering: Any) -> None:
        refused = await ordering.place(gold, ordering.body(("MAT-0020", 1)))
        assert refused.status_code == 422
        page = (await gold.get("/partner/v1/orders", params={"status": "failed"})).json()
        assert page["items"]
        assert {order["status"] for order in page["items"]} == {"failed"}
        assert refused.json()["orderId"] in {order["orderId"] for order in page["items"]}
        bad = await gold.get("/partner/v1/orders", params={"status": "shipped"})
        assert bad.status_code == 422
