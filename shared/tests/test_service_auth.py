"""Service tokens: minted per audience, verified by the callee, 401 otherwise."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
import pytest_asyncio
from fastapi import APIRouter, Depends, FastAPI

from trivium.app import create_service_app
from trivium.problems import Unauthorized
from trivium.service_auth import (
    ServiceCallerDep,
    ServiceTokenIssuer,
    ServiceTokenVerifier,
    require_service_token,
)
from trivium.settings import ServiceSettings

SECRET = "test-secret-for-service-tokens-0123456789"


def build_callee() -> FastAPI:
    settings = ServiceSettings(
        service_name="erp-system", service_token_secret=SECRET, log_format="text"
    )
    app = create_service_app(settings, title="callee")
    router = APIRouter(dependencies=[Depends(require_service_token)])

    @router.get("/customers")
    async def list_customers(caller: ServiceCallerDep) -> dict[str, object]:
        return {"caller": caller.service, "claims": dict(caller.claims)}

    app.include_router(router)
    return app


@pytest_asyncio.fixture
async def callee() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_callee())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestRequireServiceToken:
    @pytest.mark.asyncio
    async def test_valid_token_for_this_service_is_accepted(
        self, callee: httpx.AsyncClient
    ) -> None:
        token = ServiceTokenIssuer(issuer="quote-to-order", secret=SECRET).token_for("erp-system")
        response = await callee.get("/customers", headers=bearer(token))
        assert response.status_code == 200
        assert response.json()["caller"] == "quote-to-order"

    @pytest.mark.asyncio
    async def test_missing_token_is_401_problem(self, callee: httpx.AsyncClient) -> None:
        response = await callee.get("/customers")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")

    @pytest.mark.asyncio
    async def test_wrong_audience_is_401(self, callee: httpx.AsyncClient) -> None:
        token = ServiceTokenIssuer(issuer="quote-to-order", secret=SECRET).token_for(
            "salesforce-system"
        )
        response = await callee.get("/customers", headers=bearer(token))
        assert response.status_code == 401
        assert "not meant for this service" in response.json()["detail"]

    @pytest.mark.asyncio
    async def test_token_signed_with_another_secret_is_401(self, callee: httpx.AsyncClient) -> None:
        token = ServiceTokenIssuer(
            issuer="intruder", secret="another-secret-0123456789abcdef-0123456789"
        )
        response = await callee.get("/customers", headers=bearer(token.token_for("erp-system")))
        assert response.status_code == 401

    @pytest.mark.asyncio
    async def test_expired_token_is_401(self, callee: httpx.AsyncClient) -> None:
        past = int(time.time()) - 120
        token = jwt.encode(
            {"iss": "quote-to-order", "aud": "erp-system", "iat": past - 60, "exp": past},
            SECRET,
            algorithm="HS256",
        )
        response = await callee.get("/customers", headers=bearer(token))
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]

    @pytest.mark.asyncio
    async def test_unsigned_token_is_401(self, callee: httpx.AsyncClient) -> None:
        token = jwt.encode(
            {"iss": "x", "aud": "erp-system", "iat": int(time.time()), "exp": 2**31},
            key=None,
            algorithm="none",
        )
        response = await callee.get("/customers", headers=bearer(token))
        assert response.status_code == 401

    @pytest.mark.asyncio
    async def test_identity_claims_reach_the_callee(self, callee: httpx.AsyncClient) -> None:
        issuer = ServiceTokenIssuer(issuer="gateway", secret=SECRET)
        token = issuer.token_for("erp-system", claims={"consumer": "partner-gold", "aud": "x"})
        response = await callee.get("/customers", headers=bearer(token))
        assert response.status_code == 200
        assert response.json()["claims"] == {"consumer": "partner-gold"}


class TestServiceTokenIssuer:
    def test_tokens_are_reused_until_renewal(self) -> None:
        issuer = ServiceTokenIssuer(issuer="a", secret=SECRET, ttl_seconds=60)
        assert issuer.token_for("b") == issuer.token_for("b")
        assert issuer.token_for("b") != issuer.token_for("c")

    def test_token_lives_for_the_configured_ttl(self) -> None:
        token = ServiceTokenIssuer(issuer="a", secret=SECRET, ttl_seconds=60).token_for("b")
        caller = ServiceTokenVerifier(audience="b", secret=SECRET).verify(token)
        assert 55 <= caller.expires_at - time.time() <= 60

    def test_verifier_rejects_garbage(self) -> None:
        with pytest.raises(Unauthorized):
            ServiceTokenVerifier(audience="b", secret=SECRET).verify("not.a.jwt")


class TestServiceTokenVerifier:
    def test_a_verified_token_is_remembered_until_it_expires(self) -> None:
        clock = Clock(time.time())
        issuer = ServiceTokenIssuer(issuer="quote-to-order", secret=SECRET, ttl_seconds=60)
        verifier = ServiceTokenVerifier(
            audience="erp-system", secret=SECRET, leeway_seconds=5, clock=clock
        )
        token = issuer.token_for("erp-system")
        first = verifier.verify(token)
        assert verifier.verify(token) is first
        clock.now = first.expires_at + 4
        assert verifier.verify(token) is first, "within the leeway"
        clock.now = first.expires_at + 5
        with pytest.raises(Unauthorized, match="expired"):
            verifier.verify(token)

    def test_an_expiry_that_is_not_a_time_is_refused(self) -> None:
        now = int(time.time())
        token = jwt.encode(
            {"iss": "x", "aud": "erp-system", "iat": now, "exp": "tomorrow"},
            SECRET,
            algorithm="HS256",
        )
        with pytest.raises(Unauthorized, match="not valid"):
            ServiceTokenVerifier(audience="erp-system", secret=SECRET).verify(token)

    def test_a_token_for_another_audience_is_never_remembered_as_valid(self) -> None:
        token = ServiceTokenIssuer(issuer="x", secret=SECRET).token_for("salesforce-system")
        verifier = ServiceTokenVerifier(audience="erp-system", secret=SECRET)
        for _ in range(2):
            with pytest.raises(Unauthorized, match="not meant"):
                verifier.verify(token)


class Clock:
    """A hand-driven wall clock (seconds since the epoch)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
