"""Logins (TBA and OAuth 2.0 bearer tokens), the concurrency limit, and chaos."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from netsuite_emulator.emulator import build_emulator
from netsuite_emulator.main import create_app
from netsuite_emulator.settings import NetSuiteEmulatorSettings
from trivium_testing.waiting import until

from ..keys import CERTIFICATE_ID, CLIENT_ID, assertion, ec_key, write_certificate
from ..support import (
    RECORD,
    TOKEN_ENDPOINT,
    TokenBasedAuth,
    make_settings,
    netsuite_error,
)

pytestmark = pytest.mark.asyncio
HOST = "https://1234567-sb1.suitetalk.api.netsuite.com"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TestTokenBasedAuthentication:
    async def test_unsigned(self, anonymous: httpx.AsyncClient) -> None:
        response = await anonymous.get(f"{RECORD}/customer/1")
        netsuite_error(response, 401, "INVALID_LOGIN")

    async def test_wrong_secret(self, app: FastAPI) -> None:
        transport = httpx.ASGITransport(app=app)
        auth = TokenBasedAuth(consumer_secret="guessed")
        async with httpx.AsyncClient(transport=transport, base_url=HOST, auth=auth) as client:
            netsuite_error(await client.get(f"{RECORD}/customer/1"), 401, "INVALID_LOGIN")

    async def test_wrong_realm(self, app: FastAPI) -> None:
        transport = httpx.ASGITransport(app=app)
        auth = TokenBasedAuth(realm="7654321")
        async with httpx.AsyncClient(transport=transport, base_url=HOST, auth=auth) as client:
            netsuite_error(await client.get(f"{RECORD}/customer/1"), 401, "INVALID_LOGIN")

    async def test_unknown_path_is_a_netsuite_404(self, netsuite: httpx.AsyncClient) -> None:
        netsuite_error(await netsuite.get("/services/rest/nothing/here"), 404, "NONEXISTENT_ID")


class Clock:
    def __init__(self) -> None:
        self.now = 1_760_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def oauth2(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, object, Clock]]:
    """A client of an account with a mapped certificate, its key, and the account's clock."""
    key = ec_key()
    settings = make_settings(
        oauth2_client_id=CLIENT_ID,
        oauth2_certificate_id=CERTIFICATE_ID,
        oauth2_certificate_path=str(write_certificate(key, tmp_path / "cert.pem")),
    )
    clock = Clock()
    app = create_app(settings, emulator=build_emulator(settings, wall_clock=clock))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=HOST) as client:
        yield client, key, clock
    app.state.emulator.close()


async def _token(client: httpx.AsyncClient, client_assertion: str) -> httpx.Response:
    return await client.post(
        TOKEN_ENDPOINT,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion,
        },
    )


class TestClientCredentials:
    async def test_bearer_token_until_it_expires(
        self, oauth2: tuple[httpx.AsyncClient, object, Clock]
    ) -> None:
        client, key, clock = oauth2
        signed = assertion(key, audience=f"{HOST}{TOKEN_ENDPOINT}", now=clock.now)
        response = await _token(client, signed)
        assert response.status_code == 200, response.text
        token = response.json()
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] == "3600"
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        assert (await client.get(f"{RECORD}/customer/1", headers=headers)).status_code == 200
        clock.now += 3600
        response = await client.get(f"{RECORD}/customer/1", headers=headers)
        netsuite_error(response, 401, "INVALID_LOGIN")

    async def test_bad_assertion(self, oauth2: tuple[httpx.AsyncClient, object, Clock]) -> None:
        client, _, clock = oauth2
        signed = assertion(ec_key(), audience=f"{HOST}{TOKEN_ENDPOINT}", now=clock.now)
        response = await _token(client, signed)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"

    async def test_wrong_grant(self, oauth2: tuple[httpx.AsyncClient, object, Clock]) -> None:
        client, _, _ = oauth2
        response = await client.post(TOKEN_ENDPOINT, data={"grant_type": "password"})
        assert response.json()["error"] == "unsupported_grant_type"


class TestConcurrencyLimit:
    @pytest.fixture
    def settings(self) -> NetSuiteEmulatorSettings:
        return make_settings(concurrency_limit=1)

    async def test_one_more_than_allowed(
        self, app: FastAPI, netsuite: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        await admin.put("/__admin/chaos", json={"latencyMs": 1500})
        slow = asyncio.create_task(netsuite.get(f"{RECORD}/customer/1"))
        await until(lambda: app.state.emulator.governor.in_flight == 1)
        refused = await netsuite.get(f"{RECORD}/customer/2")
        netsuite_error(refused, 429, "CONCURRENCY_LIMIT_EXCEEDED")
        assert (await slow).status_code == 200
        state = (await admin.get("/__admin/concurrency")).json()
        assert state == {"limit": 1, "inFlight": 0, "refused": 1}


class TestChaos:
    async def test_outage(self, netsuite: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
        await admin.put("/__admin/chaos", json={"outage": True})
        response = await netsuite.get(f"{RECORD}/customer/1")
        netsuite_error(response, 503, "SERVICE_UNAVAILABLE")
        assert response.headers["retry-after"] == "30"
        await admin.delete("/__admin/chaos")
        assert (await netsuite.get(f"{RECORD}/customer/1")).status_code == 200

    async def test_error_rate_on_writes(
        self, netsuite: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        await admin.put("/__admin/chaos", json={"errorRate": 1, "methods": ["POST"]})
        assert (await netsuite.get(f"{RECORD}/customer/1")).status_code == 200
        response = await netsuite.post(f"{RECORD}/customer", json={"companyName": "X"})
        netsuite_error(response, 503, "SERVICE_UNAVAILABLE")

    async def test_reset_restores_the_seed(
        self, netsuite: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        await netsuite.delete(f"{RECORD}/customer/5")
        assert (await admin.post("/__admin/reset")).status_code == 204
        assert (await netsuite.get(f"{RECORD}/customer/5")).status_code == 200
        assert (await admin.post("/__admin/seed")).status_code == 409
