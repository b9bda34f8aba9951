from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from salesforce_emulator.emulator import demo_private_key
from salesforce_emulator.settings import SalesforceEmulatorSettings

pytestmark = pytest.mark.asyncio

TOKEN = "/services/oauth2/token"
API = "/services/data/v62.0"
CLIENT = {"client_id": "trivium-demo-client", "client_secret": "trivium-demo-secret"}
ADMIN = {"X-Admin-Token": "trivium-emulator-admin"}
SOAP_LOGIN = """<?xml version="1.0" encoding="utf-8" ?>
<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:urn="urn:partner.soap.sforce.com">
  <env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com">
    <n1:username>{username}</n1:username><n1:password>{password}</n1:password>
  </n1:login></env:Body></env:Envelope>"""


def assertion(**overrides: Any) -> str:
    claims: dict[str, Any] = {
        "iss": "trivium-demo-client",
        "sub": "integration@trivium.demo",
        "aud": "https://login.salesforce.com",
        "exp": str(int(time.time()) + 180),
    }
    claims.update(overrides)
    return jwt.encode(claims, demo_private_key(), algorithm="RS256")


def oauth_error(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error", "error_description"}
    return f"{body['error']}/{body['error_description']}"


class TestClientCredentialsGrant:
    async def test_issues_a_token_with_salesforce_fields(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        org_id = app.state.emulator.org.org_id
        response = await client.post(TOKEN, data={"grant_type": "client_credentials", **CLIENT})
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {
            "access_token",
            "signature",
            "scope",
            "instance_url",
            "id",
            "token_type",
            "issued_at",
        }
        assert body["token_type"] == "Bearer"
        assert body["instance_url"] == "http://test"
        assert body["access_token"].startswith(f"{org_id[:15]}!")
        assert body["id"] == f"http://test/id/{org_id}/005000000000001AAA"
        assert body["issued_at"].isdigit()

    async def test_accepts_basic_authentication(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            auth=("trivium-demo-client", "trivium-demo-secret"),
        )
        assert response.status_code == 200

    async def test_wrong_secret(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            TOKEN, data={"grant_type": "client_credentials", **CLIENT, "client_secret": "x"}
        )
        assert oauth_error(response) == "invalid_client/invalid client credentials"

    async def test_unknown_client(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            TOKEN, data={"grant_type": "client_credentials", **CLIENT, "client_id": "x"}
        )
        assert oauth_error(response) == "invalid_client_id/client identifier invalid"

    async def test_unsupported_grant(self, client: httpx.AsyncClient) -> None:
        response = await client.post(TOKEN, data={"grant_type": "refresh_token", **CLIENT})
        assert oauth_error(response) == "unsupported_grant_type/grant type not supported"


class TestPasswordGrant:
    async def test_password_with_security_token(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            TOKEN,
            data={
                "grant_type": "password",
                **CLIENT,
                "username": "integration@trivium.demo",
                "password": "trivium-demo-passwordTRIVIUMDEMOTOKEN",
            },
        )
        assert response.status_code == 200

    async def test_wrong_password(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            TOKEN,
            data={
                "grant_type": "password",
                **CLIENT,
                "username": "integration@trivium.demo",
                "password": "guess",
            },
        )
        assert oauth_error(response) == "invalid_grant/authentication failure"


class TestJwtBearerGrant:
    async def test_signed_assertion(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            TOKEN,
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion(exp=int(time.time()) + 60),
            },
        )
        assert response.status_code == 200
        assert response.json()["token_type"] == "Bearer"

    async def test_own_url_is_an_audience(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            TOKEN,
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion(aud="http://test"),
            },
        )
        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("claims", "expected"),
        [
            ({"aud": "https://example.com"}, "invalid_grant/audience is invalid"),
            ({"exp": int(time.time()) - 10}, "invalid_grant/expired authorization code"),
            ({"iss": "other-app"}, "invalid_client_id/client identifier invalid"),
            ({"sub": "someone@else.example"}, "invalid_grant/user hasn't approved this consumer"),
        ],
    )
    async def test_refused_claims(
        self, client: httpx.AsyncClient, claims: dict[str, Any], expected: str
    ) -> None:
        response = await client.post(
            TOKEN,
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion(**claims),
            },
        )
        assert oauth_error(response) == expected

    async def test_assertion_signed_with_another_key(self, client: httpx.AsyncClient) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        forged = jwt.encode(
            {
                "iss": "trivium-demo-client",
                "sub": "integration@trivium.demo",
                "aud": "https://login.salesforce.com",
                "exp": int(time.time()) + 60,
            },
            pem,
            algorithm="RS256",
        )
        response = await client.post(
            TOKEN,
            data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": forged},
        )
        assert oauth_error(response) == "invalid_grant/invalid assertion"


JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
REP = "anna.becker@trivium.demo"


class TestJwtBearerForOrgUsers:
    """Any active user of the org signs in by JWT bearer (the app is pre-authorized for them)."""

    @pytest.fixture
    def settings(self) -> SalesforceEmulatorSettings:
        return SalesforceEmulatorSettings(database_path=":memory:", seed_demo_data=True)

    async def _token(self, client: httpx.AsyncClient, username: str) -> httpx.Response:
        return await client.post(
            TOKEN, data={"grant_type": JWT_BEARER, "assertion": assertion(sub=username)}
        )

    async def test_a_seeded_rep_acts_as_themselves(self, client: httpx.AsyncClient) -> None:
        issued = await self._token(client, REP.upper())
        assert issued.status_code == 200, issued.text
        token = issued.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        identity = (await client.get(issued.json()["id"], headers=headers)).json()
        assert identity["username"] == REP
        created = await client.post(
            f"{API}/sobjects/Account", json={"Name": "Owned By Anna"}, headers=headers
        )
        assert created.status_code == 201, created.text
        account = await client.get(
            f"{API}/sobjects/Account/{created.json()['id']}",
            params={"fields": "OwnerId"},
            headers=headers,
        )
        assert account.json()["OwnerId"] == identity["user_id"]

    async def test_an_inactive_user_is_refused(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        with app.state.emulator.org.store.transaction() as conn:
            conn.execute('UPDATE "User" SET "IsActive" = 0 WHERE "Username" = ?', (REP,))
        response = await self._token(client, REP)
        assert oauth_error(response) == "invalid_grant/user hasn't approved this consumer"


class TestSoapLogin:
    async def test_returns_session_and_server_url(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        org15 = app.state.emulator.org.org_id[:15]
        body = SOAP_LOGIN.format(
            username="integration@trivium.demo", password="trivium-demo-passwordTRIVIUMDEMOTOKEN"
        )
        response = await client.post(
            "/services/Soap/u/59.0", content=body, headers={"SOAPAction": "login"}
        )
        assert response.status_code == 200
        assert f"<sessionId>{org15}!" in response.text
        assert f"<serverUrl>http://test/services/Soap/u/59.0/{org15}</serverUrl>" in response.text

    async def test_invalid_login_is_a_soap_fault(self, client: httpx.AsyncClient) -> None:
        body = SOAP_LOGIN.format(username="integration@trivium.demo", password="wrong")
        response = await client.post("/services/Soap/u/59.0", content=body)
        assert response.status_code == 500
        assert "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in response.text


class TestSessions:
    async def test_missing_or_unknown_token(
        self, client: httpx.AsyncClient, salesforce_error: Callable[..., dict[str, Any]]
    ) -> None:
        salesforce_error(
            await client.get("/services/data/v62.0/sobjects"), 401, "INVALID_SESSION_ID"
        )
        response = await client.get(
            "/services/data/v62.0/sobjects", headers={"Authorization": "Bearer 00D!nope"}
        )
        assert response.status_code == 401
        assert response.json() == [
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
        ]

    async def test_revoked_token(
        self, client: httpx.AsyncClient, salesforce_error: Callable[..., dict[str, Any]]
    ) -> None:
        token = (
            await client.post(TOKEN, data={"grant_type": "client_credentials", **CLIENT})
        ).json()["access_token"]
        assert (
            await client.post("/services/oauth2/revoke", data={"token": token})
        ).status_code == 200
        response = await client.get(
            "/services/data/v62.0/limits", headers={"Authorization": f"Bearer {token}"}
        )
        salesforce_error(response, 401, "INVALID_SESSION_ID")


class TestTokenExpiry:
    async def test_expired_token_is_an_invalid_session(
        self, client: httpx.AsyncClient, salesforce_error: Callable[..., dict[str, Any]]
    ) -> None:
        response = await client.post(TOKEN, data={"grant_type": "client_credentials", **CLIENT})
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        assert (await client.get("/services/data/v62.0/limits", headers=headers)).status_code == 200

        expired = await client.post("/__admin/sessions/expire", headers=ADMIN)

        assert expired.json()["expiredSessions"] >= 1
        response = await client.get("/services/data/v62.0/limits", headers=headers)
        salesforce_error(response, 401, "INVALID_SESSION_ID")


class TestIdentity:
    async def test_identity_url_of_the_token(self, client: httpx.AsyncClient) -> None:
        issued = (
            await client.post(TOKEN, data={"grant_type": "client_credentials", **CLIENT})
        ).json()
        response = await client.get(
            issued["id"], headers={"Authorization": f"Bearer {issued['access_token']}"}
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["username"], body["user_id"]) == (
            "integration@trivium.demo",
            "005000000000001AAA",
        )

    async def test_identity_needs_the_token(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        salesforce_error: Callable[..., dict[str, Any]],
    ) -> None:
        org_id = app.state.emulator.org.org_id
        response = await client.get(f"/id/{org_id}/005000000000001AAA")
        salesforce_error(response, 401, "INVALID_SESSION_ID")
