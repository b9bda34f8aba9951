"""A sales rep orders and reads orders only for the accounts they own, on the real emulators.

The demo org's P-1002 belongs to anna.becker@trivium.demo; lukas.schmidt@trivium.demo owns
other accounts. The rep is named in the service token, as the mobile API passes it down.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from trivium_testing.stack import RepClients

from .conftest import place

pytestmark = pytest.mark.asyncio

PROBLEMS = "https://trivium.dev/problems/"


class TestOrderAnotherRepsQuote:
    async def test_refused_as_not_found_and_nothing_is_created_anywhere(
        self, reps: RepClients, world: Any
    ) -> None:
        quote_id = await world.quote(lines=[("MAT-0004", 1)])
        response = await place(reps.lukas, {"quoteId": quote_id})
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["type"] == PROBLEMS + "quote-not-found"
        assert "orderId" not in problem
        assert await world.erp_orders(quote_id) == []
        assert await world.query(f"SELECT Id FROM Order WHERE QuoteId = '{quote_id}'") == []
        # The refused attempt holds no claim on the quote: its owner orders it.
        owned = await place(reps.anna, {"quoteId": quote_id})
        assert owned.status_code == 201, owned.text

    async def test_a_missing_quote_answers_the_same(self, reps: RepClients) -> None:
        response = await place(reps.lukas, {"quoteId": "0Q0000000009999CAA"})
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEMS + "quote-not-found"


class TestReadAnotherRepsOrder:
    async def test_only_the_owner_reads_it(
        self,
        reps: RepClients,
        orders: httpx.AsyncClient,
        world: Any,
    ) -> None:
        placed = await place(reps.anna, {"quoteId": await world.quote(lines=[("MAT-0005", 1)])})
        assert placed.status_code == 201, placed.text
        order = placed.json()
        assert (await reps.anna.get(f"/orders/{order['orderId']}")).status_code == 200
        refused = await reps.lukas.get(f"/orders/{order['orderId']}")
        assert refused.status_code == 404
        assert refused.json()["type"] == PROBLEMS + "order-not-found"
        assert (await orders.get(f"/orders/{order['orderId']}")).status_code == 200

    async def test_only_the_owner_lists_the_accounts_orders(
        self, reps: RepClients, world: Any
    ) -> None:
        account_id = await world.account_id("P-1002")
        placed = await place(reps.anna, {"quoteId": await world.quote(lines=[("MAT-0006", 1)])})
        assert placed.status_code == 201, placed.text
        listed = await reps.anna.get("/orders", params={"accountId": account_id})
        assert placed.json()["orderId"] in [o["orderId"] for o in listed.json()["items"]]
        refused = await reps.lukas.get("/orders", params={"accountId": account_id})
        assert refused.status_code == 404
        assert refused.json()["type"] == PROBLEMS + "account-not-found"
        unscoped = await reps.lukas.get("/orders")
        assert unscoped.status_code == 422
        assert unscoped.json()["type"] == PROBLEMS + "account-scope-required"
