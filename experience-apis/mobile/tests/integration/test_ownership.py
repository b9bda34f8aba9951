"""A rep orders only quotes of the accounts they own, through this API and quote-to-order."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.asyncio


class TestOrderAnotherRepsQuote:
    async def test_refused_as_not_found_and_no_order_exists(
        self, anna: httpx.AsyncClient, lukas: httpx.AsyncClient, world: Any
    ) -> None:
        # P-1002 is Anna's account; Lukas tries her quote.
        quote_id = await world.quote(
            account_number="P-1002", customer_id="1000002", sku="MAT-0009", quantity=1
        )
        response = await lukas.post(
            f"/mobile/v1/quotes/{quote_id}/order",
            headers={"Idempotency-Key": secrets.token_hex(8)},
        )
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["type"].endswith("/quote-not-found")
        assert quote_id in problem["detail"]
        assert await world.query(f"SELECT Id FROM Order WHERE QuoteId = '{quote_id}'") == []
        # Her own order of it goes through: the refused attempt left nothing behind.
        owned = await anna.post(
            f"/mobile/v1/quotes/{quote_id}/order",
            headers={"Idempotency-Key": secrets.token_hex(8)},
        )
        assert owned.status_code == 201, owned.text
