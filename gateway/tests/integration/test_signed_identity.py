"""signed-identity through the gateway: the identity contract the experience APIs rely on, and
forged identity headers that never reach them; in both plugin modes."""

from __future__ import annotations

import pytest

from trivium.keys import generate_private_key
from trivium.service_auth import ServiceTokenIssuer

pytestmark = pytest.mark.asyncio

FORGED_HEADERS = {
    "X-Consumer-ID": "00000000-0000-0000-0000-000000000001",
    "X-Consumer-Username": "partner-nordwind",
    "X-Consumer-Custom-ID": "P-1001",
    "X-Credential-Identifier": "forged",
    "X-Consumer-Groups": "gold",
    "X-Anonymous-Consumer": "false",
}


def forged_token(audience: str) -> str:
    """A service token a client minted itself, claiming to be the gold partner."""
    issuer = ServiceTokenIssuer(issuer="gateway", private_key=generate_private_key())
    return issuer.token_for(audience, claims={"consumer": "partner-nordwind", "plan": "gold"})


class TestPartnerIdentity:
    async def test_contract(self, gateway, proxy, api_keys):
        response = await proxy.get("/partner/v1/account", headers={"apikey": api_keys["silver"]})

        identity = response.json()["identity"]
        consumer_id = identity.pop("consumerId")
        assert identity == {
            "issuer": "gateway",
            "consumer": "partner-alpen",
            "partnerAccountNumber": "P-1002",
            "plan": "silver",
        }
        assert response.json()["headers"]["x-consumer-id"] == [consumer_id]

    async def test_forged_identity_is_ignored(self, proxy, api_keys):
        headers = {
            "apikey": api_keys["bronze"],
            "Authorization": f"Bearer {forged_token('partner-portal-experience')}",
            **FORGED_HEADERS,
        }
        response = await proxy.get("/partner/v1/account", headers=headers)

        seen = response.json()
        assert seen["identity"]["consumer"] == "partner-rhein"
        assert seen["identity"]["plan"] == "bronze"
        assert len(seen["headers"]["authorization"]) == 1
        assert seen["headers"]["x-consumer-username"] == ["partner-rhein"]
        assert seen["headers"]["x-consumer-custom-id"] == ["P-1003"]
        assert seen["headers"]["x-credential-identifier"] != ["forged"]
        assert "x-consumer-groups" not in seen["headers"]
        assert "x-anonymous-consumer" not in seen["headers"]

    async def test_nothing_reaches_the_unauthenticated_page(self, proxy):
        headers = {
            "Authorization": f"Bearer {forged_token('partner-portal-experience')}",
            **FORGED_HEADERS,
        }
        response = await proxy.get("/partner/index.html", headers=headers)

        assert response.status_code == 200
        forwarded = {name.lower() for name in response.json()["headers"]}
        assert forwarded.isdisjoint(name.lower() for name in ["Authorization", *FORGED_HEADERS])


class TestMobileIdentity:
    async def test_contract(self, gateway, proxy, rep_token):
        headers = {"Authorization": f"Bearer {rep_token()}"}
        response = await proxy.get("/mobile/v1/accounts", headers=headers)

        identity = response.json()["identity"]
        identity.pop("consumerId")
        assert identity == {
            "issuer": "gateway",
            "consumer": "rep-anna-becker",
            "salesforceUsername": "anna.becker@trivium.demo",
            "plan": "internal",
        }

    async def test_the_reps_own_jwt_does_not_reach_the_upstream(self, proxy, rep_token):
        token = rep_token()
        response = await proxy.get(
            "/mobile/v1/accounts",
            headers={"Authorization": f"Bearer {token}", **FORGED_HEADERS},
        )

        seen = response.json()
        assert seen["headers"]["authorization"] != [f"Bearer {token}"]
        assert seen["identityError"] is None
        assert seen["headers"]["x-consumer-username"] == ["rep-anna-becker"]
