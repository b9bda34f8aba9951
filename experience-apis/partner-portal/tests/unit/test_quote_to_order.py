"""The quote-to-order adapter: the order sent on, and the process tier's answers translated."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pytest_httpx import HTTPXMock

from partner_portal_experience.adapters.ports import OrderDraft
from partner_portal_experience.adapters.quote_to_order import QuoteToOrderOrders
from partner_portal_experience.domain.errors import (
    InsufficientStock,
    OrderRejected,
    OrdersUnavailable,
    PartnerNotRecognized,
)
from trivium.http_client import create_http_client

pytestmark = pytest.mark.asyncio

BASE = "http://quote-to-order.test"
PROBLEMS = "https://trivium.dev/problems/"
ORDER = {
    "orderId": "01JABCDEFGHJKMNPQRSTVWXYZ0",
    "status": "accepted",
    "step": "received",
    "accountNumber": "P-1001",
    "purchaseOrderNumber": "PO-1",
    "lines": [],
    "attempts": 0,
}
DRAFT = OrderDraft(
    account_number="P-1001", purchase_order_number="PO-1", lines=[("MAT-0001", Decimal("2"))]
)


def problem(slug: str, status: int, **extra: Any) -> dict[str, Any]:
    return {"type": PROBLEMS + slug, "title": slug, "status": status, **extra}


@pytest_asyncio.fixture
async def adapter() -> AsyncIterator[QuoteToOrderOrders]:
    http = create_http_client(
        backend="quote-to-order-unit", base_url=BASE, transport="httpcore", max_retries=0
    )
    async with http:
        yield QuoteToOrderOrders(http, token_for=lambda claims: f"token-for-{claims['consumer']}")


async def place(adapter: QuoteToOrderOrders, *, respond_async: bool = False) -> Any:
    return await adapter.place_order(
        DRAFT, idempotency_key="key-9", respond_async=respond_async, identity={"consumer": "nw"}
    )


class TestPlaceOrder:
    async def test_the_direct_order_with_key_identity_and_preference(
        self, adapter: QuoteToOrderOrders, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(
            method="POST",
            url=f"{BASE}/orders",
            status_code=202,
            json=ORDER,
            headers={"Preference-Applied": "respond-async"},
        )
        placed = await place(adapter, respond_async=True)
        request = httpx_mock.get_request()
        assert request is not None
        assert json.loads(request.content) == {
            "accountNumber": "P-1001",
            "purchaseOrderNumber": "PO-1",
            "lines": [{"sku": "MAT-0001", "quantity": "2"}],
        }
        assert request.headers["authorization"] == "Bearer token-for-nw"
        assert request.headers["idempotency-key"] == "key-9"
        assert request.headers["prefer"] == "respond-async"
        assert (placed.in_background, placed.async_applied) == (True, True)

    async def test_a_named_rule_keeps_its_name_and_the_order_id(
        self, adapter: QuoteToOrderOrders, httpx_mock: HTTPXMock
    ) -> None:
        body = problem("insufficient-stock", 422, detail="MAT-0001: 1 left", orderId="01J1")
        httpx_mock.add_response(status_code=422, json=body)
        with pytest.raises(InsufficientStock) as raised:
            await place(adapter)
        assert raised.value.detail == "MAT-0001: 1 left"
        assert raised.value.extensions == {"orderId": "01J1"}

    async def test_an_unknown_account_is_an_unrecognized_partner(
        self, adapter: QuoteToOrderOrders, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(status_code=404, json=problem("account-not-found", 404))
        with pytest.raises(PartnerNotRecognized):
            await place(adapter)

    async def test_another_rule_is_a_generic_rejection(
        self, adapter: QuoteToOrderOrders, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(status_code=422, json=problem("price-mismatch", 422))
        with pytest.raises(OrderRejected) as raised:
            await place(adapter)
        assert type(raised.value) is OrderRejected

    async def test_unavailable_process_tier_passes_its_retry_after_on(
        self, adapter: QuoteToOrderOrders, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(status_code=503, headers={"Retry-After": "7"})
        with pytest.raises(OrdersUnavailable) as raised:
            await place(adapter)
        assert raised.value.headers == {"Retry-After": "7"}

    async def test_no_answer_is_unavailable(
        self, adapter: QuoteToOrderOrders, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_exception(httpx.ConnectError("refused"))
        with pytest.raises(OrdersUnavailable):
            await place(adapter)


class TestGetOrder:
    async def test_missing_is_none(
        self, adapter: QuoteToOrderOrders, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(status_code=404, json=problem("order-not-found", 404))
        assert await adapter.get_order("01JABCDEFGHJKMNPQRSTVWXYZ0") is None
