"""Quote to order through this API, and who may follow an order."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from trivium_testing.integration import wait_for_status

pytestmark = pytest.mark.asyncio


async def order_quote(client: httpx.AsyncClient, quote_id: str, **headers: str) -> httpx.Response:
    headers.setdefault("Idempotency-Key", secrets.token_hex(8))
    return await client.post(f"/mobile/v1/quotes/{quote_id}/order", headers=headers)


class TestOrderQuote:
    async def test_an_accepted_quote_becomes_an_order_the_rep_follows(
        self, anna: httpx.AsyncClient, world: Any
    ) -> None:
        quote_id = await world.quote(
            account_number="P-1002", customer_id="1000002", sku="MAT-0005", quantity=2
        )
        key = secrets.token_hex(8)
        response = await order_quote(anna, quote_id, **{"Idempotency-Key": key})
        assert response.status_code == 201, response.text
        order = response.json()
        assert response.headers["location"] == f"/mobile/v1/orders/{order['orderId']}"
        assert order["status"] == "completed"
        assert order["quoteId"] == quote_id
        assert order["erpOrderNumber"]
        followed = await anna.get(response.headers["location"])
        assert followed.status_code == 200
        assert followed.json()["erpOrderNumber"] == order["erpOrderNumber"]
        repeat = await order_quote(anna, quote_id, **{"Idempotency-Key": key})
        assert repeat.json()["orderId"] == order["orderId"]

    async def test_respond_async_answers_202_with_the_order_to_follow(
        self, anna: httpx.AsyncClient, world: Any
    ) -> None:
        quote_id = await world.quote(
            account_number="P-1001", customer_id="1000001", sku="MAT-0003", quantity=1
        )
        response = await order_quote(anna, quote_id, Prefer="respond-async")
        assert response.status_code == 202, response.text
        assert response.headers["preference-applied"] == "respond-async"
        completed = await wait_for_status(anna, response.headers["location"], until="completed")
        assert completed["erpOrderNumber"]

    async def test_an_order_of_the_same_quote_again_is_409(
        self, anna: httpx.AsyncClient, world: Any
    ) -> None:
        quote_id = await world.quote(
            account_number="P-1002", customer_id="1000002", sku="MAT-0006", quantity=1
        )
        assert (await order_quote(anna, quote_id)).status_code == 201
        again = await order_quote(anna, quote_id)
        assert again.status_code == 409
        problem = again.json()
        assert problem["type"].endswith("/quote-not-orderable")
        assert problem["reason"] == "quote-already-ordered"

    async def test_unknown_quote_is_404(self, anna: httpx.AsyncClient) -> None:
        response = await order_quote(anna, "0Q0000000000999AAA")
        assert response.status_code == 404
        assert response.json()["type"].endswith("/quote-not-found")

    async def test_missing_idempotency_key_is_400(self, anna: httpx.AsyncClient) -> None:
        response = await anna.post("/mobile/v1/quotes/0Q0000000000001AAA/order")
        assert response.status_code == 400
        assert response.json()["type"].endswith("/idempotency-key-missing")


class TestGetOrder:
    async def test_another_reps_order_is_404(
        self, anna: httpx.AsyncClient, lukas: httpx.AsyncClient, world: Any
    ) -> None:
        quote_id = await world.quote(
            account_number="P-1001", customer_id="1000001", sku="MAT-0007", quantity=1
        )
        placed = await order_quote(anna, quote_id)
        assert placed.status_code == 201, placed.text
        response = await lukas.get(placed.headers["location"])
        assert response.status_code == 404
        assert response.json()["type"].endswith("/order-not-found")

    async def test_unknown_order_is_404(self, anna: httpx.AsyncClient) -> None:
        response = await anna.get("/mobile/v1/orders/01JZZZZZZZZZZZZZZZZZZZZZZZ")
        assert response.status_code == 404
