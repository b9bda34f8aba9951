"""The HTTP surface over in-memory ports: identity, validation, idempotency, paging, problems,
the documented responses, and the web page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
import redis.asyncio
from fastapi import FastAPI

from partner_portal_experience.bootstrap import PartnerPortalExperience
from partner_portal_experience.domain.portal import PartnerPortal
from partner_portal_experience.main import create_app
from partner_portal_experience.settings import PartnerPortalSettings
from trivium.composition import install
from trivium.idempotency import IdempotencyStore
from trivium_testing.keys import session_keys

PROBLEMS = "https://trivium.dev/problems/"
Caller = Callable[..., httpx.AsyncClient]


def order_body(**extra: Any) -> dict[str, Any]:
    return {"purchaseOrderNumber": "PO-1", "lines": [{"sku": "MAT-0001", "quantity": "2"}], **extra}


@pytest_asyncio.fixture
async def app(
    portal: PartnerPortal, redis_client: redis.asyncio.Redis, redis_url: str
) -> AsyncIterator[FastAPI]:
    settings = PartnerPortalSettings(
        redis_url=redis_url,
        **session_keys().settings("partner-portal-experience"),
        log_format="text",
    )
    application = create_app(settings)
    container = PartnerPortalExperience(
        settings=settings,
        portal=portal,
        idempotency=IdempotencyStore.from_settings(redis_client, settings),
        readiness={},
    )
    install(application, container)
    yield application


@pytest_asyncio.fixture
async def calls_as(app: FastAPI) -> AsyncIterator[Caller]:
    """`calls_as(account_number)`: a client carrying the gateway's identity for that partner."""
    clients: list[httpx.AsyncClient] = []

    def open_client(account_number: str | None, *, issuer: str = "gateway") -> httpx.AsyncClient:
        headers = {}
        if account_number is not None:
            claims = {"partnerAccountNumber": account_number, "consumer": account_number}
            token = (
                session_keys().issuer(issuer).token_for("partner-portal-experience", claims=claims)
            )
            headers["Authorization"] = f"Bearer {token}"
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://portal.test", headers=headers
        )
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        await client.aclose()


class TestIdentity:
    @pytest.mark.asyncio
    async def test_without_a_token_is_401(self, calls_as: Caller) -> None:
        response = await calls_as(None).get("/partner/v1/catalog")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")


class TestCreateOrder:
    @pytest.mark.asyncio
    async def test_201_with_location_and_a_replay_for_the_same_key(self, calls_as: Caller) -> None:
        client = calls_as("P-1001")
        first = await client.post(
            "/partner/v1/orders", json=order_body(), headers={"Idempotency-Key": "k1"}
        )
        again = await client.post(
            "/partner/v1/orders", json=order_body(), headers={"Idempotency-Key": "k1"}
        )
        assert first.status_code == again.status_code == 201
        assert first.headers["location"] == f"/partner/v1/orders/{first.json()['orderId']}"
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"

    @pytest.mark.asyncio
    async def test_the_same_key_of_another_partner_is_another_order(self, calls_as: Caller) -> None:
        key = {"Idempotency-Key": "shared-key"}
        mine = await calls_as("P-1001").post("/partner/v1/orders", json=order_body(), headers=key)
        theirs = await calls_as("P-1002").post("/partner/v1/orders", json=order_body(), headers=key)
        assert mine.status_code == theirs.status_code == 201
        assert mine.json()["orderId"] != theirs.json()["orderId"]

    @pytest.mark.asyncio
    async def test_respond_async_is_202(self, calls_as: Caller) -> None:
        response = await calls_as("P-1001").post(
            "/partner/v1/orders",
            json=order_body(),
            headers={"Idempotency-Key": "k2", "Prefer": "respond-async, wait=5"},
        )
        assert response.status_code == 202
        assert response.headers["preference-applied"] == "respond-async"

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        ("body", "pointers"),
        [
            (order_body(accountNumber="P-1002"), ["/accountNumber"]),
            (order_body(lines=[]), ["/lines"]),
            (order_body(lines=[{"sku": "MAT-0001", "quantity": "-1"}]), ["/lines/0/quantity"]),
            ({"lines": [{"sku": "MAT-0001", "quantity": "1"}]}, ["/purchaseOrderNumber"]),
        ],
    )
    async def test_invalid_body_is_422_naming_the_fields(
        self, calls_as: Caller, body: dict[str, Any], pointers: list[str]
    ) -> None:
        response = await calls_as("P-1001").post(
            "/partner/v1/orders", json=body, headers={"Idempotency-Key": "k3"}
        )
        assert response.status_code == 422
        assert [error["pointer"] for error in response.json()["errors"]] == pointers

    @pytest.mark.asyncio
    async def test_without_idempotency_key_is_400(self, calls_as: Caller) -> None:
        response = await calls_as("P-1001").post("/partner/v1/orders", json=order_body())
        assert response.json()["type"] == PROBLEMS + "idempotency-key-missing"


class TestListOrders:
    @pytest.mark.asyncio
    async def test_a_cursor_this_api_did_not_issue_is_400(self, calls_as: Caller) -> None:
        response = await calls_as("P-1001").get("/partner/v1/orders", params={"cursor": "%%"})
        assert response.status_code == 400
        assert response.json()["type"] == PROBLEMS + "invalid-cursor"


class TestDocumentedResponses:
    def test_every_partner_route_documents_its_problems(self, app: FastAPI) -> None:
        paths = app.openapi()["paths"]
        partner = {path: ops for path, ops in paths.items() if path.startswith("/partner/v1")}
        assert set(partner) == {
            "/partner/v1/account",
            "/partner/v1/catalog",
            "/partner/v1/orders",
            "/partner/v1/orders/{order_id}",
        }
        for operations in partner.values():
            for operation in operations.values():
                assert {"401", "403", "422", "503"} <= set(operation["responses"])
        assert "409" in paths["/partner/v1/orders"]["post"]["responses"]
        assert "404" in paths["/partner/v1/orders/{order_id}"]["get"]["responses"]


class TestPage:
    @pytest.mark.asyncio
    async def test_served_without_a_token(self, calls_as: Caller) -> None:
        client = calls_as(None)
        page = await client.get("/partner/")
        head = await client.head("/partner/style.css")
        assert page.status_code == 200
        assert 'src="app.js"' in page.text
        assert page.headers["x-content-type-options"] == "nosniff"
        assert head.status_code == 200
