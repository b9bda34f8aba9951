"""The partner's account through the running stack, and who may ask for it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.asyncio

PROBLEMS = "https://trivium.dev/problems/"


class TestGetAccount:
    async def test_crm_account_with_erp_credit(self, gold: httpx.AsyncClient, world: Any) -> None:
        response = await gold.get("/partner/v1/account")
        assert response.status_code == 200, response.text
        account = response.json()
        credit = await world.erp_json("/customers/1000001/credit")
        assert account["accountNumber"] == "P-1001"
        assert account["name"] == "Nordwind Industrietechnik GmbH"
        assert account["customerNumber"] == "1000001"
        assert account["billingAddress"]["city"] == "Hamburg"
        assert account["credit"]["status"] == "ok"
        assert account["credit"]["limit"] == {"amount": credit["limit"], "currency": "EUR"}
        assert Decimal(account["credit"]["limit"]["amount"]) == Decimal(250_000)
        available = Decimal(account["credit"]["available"]["amount"])
        exposure = Decimal(account["credit"]["exposure"]["amount"])
        assert available == Decimal(250_000) - exposure
        assert account["credit"]["blocked"] is False

    async def test_credit_unavailable_while_the_erp_is_down(
        self, silver: httpx.AsyncClient, world: Any
    ) -> None:
        await world.erp_down()
        response = await silver.get("/partner/v1/account")
        assert response.status_code == 200, response.text
        assert response.json()["name"] == "Alpen Anlagenbau AG"
        credit = response.json()["credit"]
        assert credit["status"] == "unavailable"
        assert credit["limit"] is credit["available"] is None

    async def test_without_identity_is_401(self, anonymous: httpx.AsyncClient) -> None:
        response = await anonymous.get("/partner/v1/account")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_identity_not_issued_by_the_gateway_is_refused(
        self, anonymous: httpx.AsyncClient, identity: Any
    ) -> None:
        token = identity("P-1001", issuer="mobile-experience")
        response = await anonymous.get(
            "/partner/v1/account", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 403
        assert response.json()["type"] == PROBLEMS + "caller-not-accepted"

    async def test_unknown_partner_is_403(
        self, anonymous: httpx.AsyncClient, identity: Any
    ) -> None:
        token = identity("P-9999")
        response = await anonymous.get(
            "/partner/v1/account", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 403
        assert response.json()["type"] == PROBLEMS + "partner-not-recognized"
