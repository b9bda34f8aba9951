"""key-auth for partners and jwt for sales reps, through the gateway, in both plugin modes."""

from __future__ import annotations

import time

import httpx
import pytest

pytestmark = pytest.mark.asyncio


class TestPartnerKeyAuth:
    async def test_no_key(self, proxy):
        response = await proxy.get("/partner/v1/account")

        assert response.status_code == 401
        assert response.json()["message"] == "No API key found in request"
        assert response.headers["www-authenticate"] == 'Key realm="trivium"'
        assert response.json()["request_id"] == response.headers["x-correlation-id"]

    async def test_bad_key(self, proxy):
        response = await proxy.get("/partner/v1/account", headers={"apikey": "not-a-key"})

        assert response.status_code == 401
        assert response.json()["message"] == "Unauthorized"

    async def test_key_in_query_is_not_accepted(self, proxy, api_keys):
        response = await proxy.get(f"/partner/v1/account?apikey={api_keys['gold']}")

        assert response.status_code == 401

    async def test_duplicate_keys(self, proxy, api_keys):
        headers = [("apikey", api_keys["gold"]), ("apikey", api_keys["bronze"])]
        response = await proxy.get("/partner/v1/account", headers=headers)

        assert response.status_code == 401
        assert response.json()["message"] == "Duplicate API key found"

    async def test_valid_key_reaches_the_upstream_without_the_key(self, proxy, api_keys):
        response = await proxy.get("/partner/v1/account", headers={"apikey": api_keys["gold"]})

        assert response.status_code == 200
        seen = response.json()
        assert "apikey" not in seen["headers"]
        assert seen["headers"]["x-consumer-username"] == ["partner-nordwind"]
        assert seen["identity"]["partnerAccountNumber"] == "P-1001"


async def mobile_accounts(gateway, authorization: str | None) -> httpx.Response:
    """`GET /mobile/v1/accounts` through the gateway, with this `Authorization` (or none)."""
    headers = {"Authorization": authorization} if authorization else {}
    async with httpx.AsyncClient(base_url=gateway.url) as client:
        return await client.get("/mobile/v1/accounts", headers=headers)


class TestMobileJwt:
    async def test_valid_token(self, gateway, rep_token):
        response = await mobile_accounts(gateway, f"Bearer {rep_token()}")

        assert response.status_code == 200
        assert response.json()["identity"]["salesforceUsername"] == "anna.becker@trivium.demo"

    async def test_no_token(self, gateway):
        response = await mobile_accounts(gateway, None)

        assert response.status_code == 401
        assert response.json()["message"] == "Unauthorized"

    async def test_token_signed_with_another_key(self, gateway, rep_token):
        forged = rep_token(secret="an-attacker-secret-of-sufficient-length-0001")
        response = await mobile_accounts(gateway, f"Bearer {forged}")

        assert response.status_code == 401
        assert response.json()["message"] == "Invalid signature"

    async def test_unknown_issuer(self, gateway, rep_token):
        response = await mobile_accounts(gateway, f"Bearer {rep_token(iss='someone-else')}")

        assert response.status_code == 401
        assert response.json()["message"] == "No credentials found for given 'iss'"

    @pytest.mark.parametrize(
        ("expires_in", "nbf_in", "refusal"),
        [
            pytest.param(-5, 0, {"exp": "token expired"}, id="expired"),
            pytest.param(
                7200, 0, {"exp": "exceeds maximum allowed expiration"}, id="lifetime-over-maximum"
            ),
            # A token minted for later (or by a clock set ahead) does not open the API early.
            pytest.param(1800, 600, {"nbf": "token not valid yet"}, id="not-valid-yet"),
            pytest.param(600, None, {"nbf": "must be a number"}, id="without-nbf"),
            # Kong checks the registered claims first: the nbf refusal is the one reported.
            pytest.param(
                7200, 60, {"nbf": "token not valid yet"}, id="not-valid-yet-and-over-maximum"
            ),
        ],
    )
    async def test_refused_time_claims(self, gateway, rep_token, expires_in, nbf_in, refusal):
        """`nbf_in`: seconds from now the token becomes valid (None: it names no `nbf`)."""
        nbf = None if nbf_in is None else int(time.time()) + nbf_in
        token = rep_token(expires_in=expires_in, nbf=nbf)
        response = await mobile_accounts(gateway, f"Bearer {token}")

        assert response.status_code == 401
        assert response.json() == refusal
        assert response.headers["www-authenticate"] == 'Bearer realm="trivium"'

    async def test_malformed_token(self, gateway):
        response = await mobile_accounts(gateway, "Bearer not.a-token")

        assert response.status_code == 401
        assert response.json()["message"].startswith("Bad token")
