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
from salesforce_system.domain.errors import CrmAuthenticationFailed, CrmUnavailable


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
    @pytest.mark.usefixtures("signed_in")
    async def test_login_learns_the_org(
        self,
        sf: ModuleType,
        rest: SalesforceRest,
        httpx_mock: HTTPXMock,
        redis_client: redis.asyncio.Redis,
    ) -> None:
        httpx_mock.add_response(url=f"{sf.DATA}/limits", json={})

        await rest.call("GET", "/limits")

        cached = await redis_client.get(SESSION_KEY.format(client_id="unit-client"))
        assert SalesforceSession.from_json(cached).org_id == "00D000000000001EAA"

    def test_session_cached_without_an_org_is_read(self) -> None:
        session = SalesforceSession.from_json('{"access_token": "t", "instance_url": "https://x"}')

        assert session.org_id is None


IDENTITY = "https://login.salesforce.com/id/00D000000000001EAA/005000000000001AAA"
NEW_ORG_IDENTITY = "https://login.salesforce.com/id/00D000000000002EAA/005000000000001AAA"


def identity(url: str = IDENTITY) -> dict[str, object]:
    """An identity URL's answer (the fields read here, and a few more)."""
    org, user = url.rstrip("/").split("/")[-2:]
    return {"id": url, "user_id": user, "organization_id": org, "active": True}


@pytest.mark.asyncio
class TestSignedInOrg:
    @pytest.mark.usefixtures("signed_in")
    async def test_the_org_is_confirmed_by_its_identity_url(
        self, rest: SalesforceRest, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(url=IDENTITY, json=identity())

        assert await rest.signed_in_org() == "00D000000000001EAA"

        [confirmation] = httpx_mock.get_requests(url=IDENTITY)
        assert confirmation.headers["authorization"] == "Bearer 00D000000000001!AQ8AQtoken1"

    async def test_a_session_of_a_replaced_org_is_replaced_by_the_new_orgs(
        self, sf: ModuleType, rest: SalesforceRest, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(url=sf.TOKEN_URL, method="POST", json=sf.token("00D!old"))
        httpx_mock.add_response(url=IDENTITY, status_code=403, text="Bad_OAuth_Token")
        httpx_mock.add_response(
            url=sf.TOKEN_URL, method="POST", json={**sf.token("00D!new"), "id": NEW_ORG_IDENTITY}
        )
        httpx_mock.add_response(url=NEW_ORG_IDENTITY, json=identity(NEW_ORG_IDENTITY))

        assert await rest.signed_in_org() == "00D000000000002EAA"

    async def test_a_new_session_the_org_refuses_too_is_an_authentication_failure(
        self, sf: ModuleType, rest: SalesforceRest, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(url=sf.TOKEN_URL, method="POST", json=sf.token(), is_reusable=True)
        httpx_mock.add_response(
            url=IDENTITY, status_code=401, json=sf.SESSION_EXPIRED, is_reusable=True
        )

        with pytest.raises(CrmAuthenticationFailed):
            await rest.signed_in_org()

    async def test_no_login_is_crm_unavailable(
        self, sf: ModuleType, rest: SalesforceRest, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(url=sf.TOKEN_URL, method="POST", status_code=503, is_reusable=True)

        with pytest.raises(CrmUnavailable):
            await rest.signed_in_org()

    async def test_a_session_without_an_identity_url_answers_its_org_as_stored(
        self, rest: SalesforceRest, redis_client: redis.asyncio.Redis
    ) -> None:
        stored = SalesforceSession("t", "https://acme.my.salesforce.com", "00D000000000001EAA")
        await redis_client.set(SESSION_KEY.format(client_id="unit-client"), stored.to_json())

        assert await rest.signed_in_org() == "00D000000000001EAA"
