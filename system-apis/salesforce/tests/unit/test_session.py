"""The shared OAuth session: which org it belongs to, from the token response's identity URL."""

from __future__ import annotations

from types import ModuleType

import pytest
import redis.asyncio
from pytest_httpx import HTTPXMock

from salesforce_system.adapters.salesforce.rest import SalesforceRest
from salesforce_system.adapters.salesforce.session import (
    SESSION_KEY,
    SalesforceSession,
    org_of_identity,
)

TOKEN_URL = "https://login.example.test/services/oauth2/token"


class TestOrgOfIdentity:
    def test_org_id_of_the_identity_url(self) -> None:
        url = "https://login.salesforce.com/id/00D5e000000AbCdEAA/0055e000001XyZwAAC"

        assert org_of_identity(url) == "00D5e000000AbCdEAA"

    def test_a_fifteen_character_id_in_eighteen(self) -> None:
        url = "https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P"

        assert org_of_identity(url) == "00Dx0000000BV7zEAG"

    @pytest.mark.parametrize("url", [None, "", "https://login.salesforce.com/", 42])
    def test_none_without_an_identity_url(self, url: object) -> None:
        assert org_of_identity(url) is None


class TestSessionOrg:
    @pytest.mark.asyncio
    async def test_login_learns_the_org(
        self,
        sf: ModuleType,
        rest: SalesforceRest,
        httpx_mock: HTTPXMock,
        redis_client: redis.asyncio.Redis,
    ) -> None:
        httpx_mock.add_response(url=TOKEN_URL, method="POST", json=sf.token())
        httpx_mock.add_response(url=f"{sf.DATA}/limits", json={})

        await rest.call("GET", "/limits")

        cached = await redis_client.get(SESSION_KEY.format(client_id="unit-client"))
        assert SalesforceSession.from_json(cached).org_id == "00D000000000001EAA"

    def test_session_cached_without_an_org_is_read(self) -> None:
        session = SalesforceSession.from_json('{"access_token": "t", "instance_url": "https://x"}')

        assert session.org_id is None
