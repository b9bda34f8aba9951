"""Service tokens: signed with the caller's Ed25519 key, verified with its public key by the
callee, accepted only from the issuers a route names; 401/403 otherwise."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, SecretStr

from trivium.app import create_service_app
from trivium.keys import (
    InsecureConfiguration,
    KeyMaterialError,
    generate_private_key,
    jwks_document,
    load_trusted_keys,
    public_key_pem,
    random_secret,
    write_private_key,
)
from trivium.problems import Unauthorized
from trivium.service_auth import (
    ServiceCallerDep,
    ServiceTokenIssuer,
    ServiceTokenVerifier,
    TrustedKeySet,
    process_api_router,
    require_service_token,
    token_pair,
)
from trivium.settings import ServiceSettings
from trivium_testing.apps import app_client
from trivium_testing.keys import KeyRing


@pytest.fixture
def ring(tmp_path: Path) -> KeyRing:
    return KeyRing(tmp_path / "keys")


def build_callee(ring: KeyRing) -> FastAPI:
    settings = ServiceSettings(
        service_name="erp-system", log_format="text", **ring.settings("erp-system")
    )
    app = create_service_app(settings, title="callee")
    callers = require_service_token("quote-to-order", "gateway", identity_from=["gateway"])
    router = APIRouter(dependencies=[callers])

    @router.get("/customers")
    async def list_customers(caller: ServiceCallerDep) -> dict[str, object]:
        return {"caller": caller.service, "claims": dict(caller.claims)}

    app.include_router(router)
    return app


@pytest_asyncio.fixture
async def callee(ring: KeyRing) -> AsyncIterator[httpx.AsyncClient]:
    for issuer in ("quote-to-order", "gateway", "customer-sync"):
        ring.key_file(issuer)
    async with app_client(build_callee(ring)) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": "quote-to-order", "aud": "erp-system", "iat": now, "exp": now + 60} | changes


class TestRequireServiceToken:
    @pytest.mark.asyncio
    async def test_valid_token_for_this_service_is_accepted(
        self, callee: httpx.AsyncClient, ring: KeyRing
    ) -> None:
        response = await callee.get(
            "/customers", headers=bearer(ring.token("quote-to-order", "erp-system"))
        )
        assert response.status_code == 200
        assert response.json()["caller"] == "quote-to-order"

    @pytest.mark.asyncio
    async def test_missing_token_is_401_problem(self, callee: httpx.AsyncClient) -> None:
        response = await callee.get("/customers")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")

    @pytest.mark.asyncio
    @pytest.mark.parametrize("authorization", ["Basic dXNlcjpwdw==", "Bearer", "Bearer   ", "x"])
    async def test_a_header_without_a_bearer_token_is_401_problem(
        self, callee: httpx.AsyncClient, authorization: str
    ) -> None:
        response = await callee.get("/customers", headers={"Authorization": authorization})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    def test_the_document_declares_the_scheme_and_the_accepted_issuers(self, ring: KeyRing) -> None:
        document = build_callee(ring).openapi()

        scheme = document["components"]["securitySchemes"]["serviceToken"]
        assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == (
            "http",
            "bearer",
            "JWT",
        )
        assert document["paths"]["/customers"]["get"]["security"] == [
            {"serviceToken": ["gateway", "quote-to-order"]}
        ]

    @pytest.mark.asyncio
    async def test_wrong_audience_is_401(self, callee: httpx.AsyncClient, ring: KeyRing) -> None:
        token = ring.token("quote-to-order", "salesforce-system")
        response = await callee.get("/customers", headers=bearer(token))
        assert response.status_code == 401
        assert "not meant for this service" in response.json()["detail"]

    @pytest.mark.asyncio
    async def test_token_signed_with_an_untrusted_key_is_401(
        self, callee: httpx.AsyncClient
    ) -> None:
        forged = ServiceTokenIssuer(issuer="quote-to-order", private_key=generate_private_key())
        response = await callee.get("/customers", headers=bearer(forged.token_for("erp-system")))
        assert response.status_code == 401
        assert "not signed by a key this service trusts" in response.json()["detail"]

    @pytest.mark.asyncio
    async def test_an_issuer_signing_as_another_is_401(
        self, callee: httpx.AsyncClient, ring: KeyRing
    ) -> None:
        as_gateway = ServiceTokenIssuer(
            issuer="gateway", private_key=ring.private_key("customer-sync")
        )
        response = await callee.get(
            "/customers", headers=bearer(as_gateway.token_for("erp-system"))
        )
        assert response.status_code == 401

    @pytest.mark.asyncio
    async def test_an_issuer_the_route_does_not_accept_is_403(
        self, callee: httpx.AsyncClient, ring: KeyRing
    ) -> None:
        token = ring.token("customer-sync", "erp-system")
        response = await callee.get("/customers", headers=bearer(token))
        assert response.status_code == 403
        assert response.json()["type"].endswith("/caller-not-accepted")

    @pytest.mark.asyncio
    async def test_hs256_token_is_401(self, callee: httpx.AsyncClient) -> None:
        token = jwt.encode(
            claims(), "trivium-local-development-secret-change-me", algorithm="HS256"
        )
        response = await callee.get("/customers", headers=bearer(token))
        assert response.status_code == 401

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        ("issued", "expires", "detail"),
        [
            pytest.param(-180, -120, "expired", id="expired"),
            pytest.param(-3600, 3600, "expired", id="older-than-the-maximum-age"),
            pytest.param(600, 660, "future", id="issued-in-the-future"),
        ],
    )
    async def test_a_token_outside_its_time_is_401(
        self, callee: httpx.AsyncClient, ring: KeyRing, issued: int, expires: int, detail: str
    ) -> None:
        now = int(time.time())
        token = jwt.encode(
            claims(iat=now + issued, exp=now + expires),
            ring.private_key("quote-to-order"),
            algorithm="EdDSA",
        )
        response = await callee.get("/customers", headers=bearer(token))
        assert response.status_code == 401
        assert detail in response.json()["detail"]

    @pytest.mark.asyncio
    async def test_unsigned_token_is_401(self, callee: httpx.AsyncClient) -> None:
        token = jwt.encode(claims(), key=None, algorithm="none")
        response = await callee.get("/customers", headers=bearer(token))
        assert response.status_code == 401

    @pytest.mark.asyncio
    async def test_identity_claims_reach_the_callee_from_an_issuer_that_may_pass_them(
        self, callee: httpx.AsyncClient, ring: KeyRing
    ) -> None:
        token = ring.issuer("gateway").token_for(
            "erp-system", claims={"consumer": "partner-gold", "aud": "x"}
        )
        response = await callee.get("/customers", headers=bearer(token))
        assert response.status_code == 200
        assert response.json()["claims"] == {"consumer": "partner-gold"}

    @pytest.mark.asyncio
    async def test_identity_claims_of_other_issuers_are_dropped(
        self, callee: httpx.AsyncClient, ring: KeyRing
    ) -> None:
        token = ring.token(
            "quote-to-order", "erp-system", consumer="partner-gold", roles=["operator"]
        )
        response = await callee.get("/customers", headers=bearer(token))
        assert response.status_code == 200
        assert response.json()["claims"] == {}

    def test_a_route_must_name_its_callers(self) -> None:
        with pytest.raises(ValueError, match="name the accepted issuers"):
            require_service_token()
        with pytest.raises(ValueError, match="identity_from"):
            require_service_token("quote-to-order", identity_from=["gateway"])


class TestServiceTokenIssuer:
    def test_tokens_are_reused_until_renewal(self, ring: KeyRing) -> None:
        issuer = ring.issuer("a", ttl_seconds=60)
        assert issuer.token_for("b") == issuer.token_for("b")
        assert issuer.token_for("b") != issuer.token_for("c")

    def test_identity_tokens_are_reused_for_the_same_audience_and_claims(
        self, ring: KeyRing
    ) -> None:
        issuer = ring.issuer("a", ttl_seconds=60)
        anna = {"consumer": "rep-anna", "plan": "internal"}
        token = issuer.token_for("b", claims=anna)
        assert issuer.token_for("b", claims=dict(reversed(anna.items()))) == token
        assert issuer.token_for("c", claims=anna) != token
        assert issuer.token_for("b", claims={**anna, "consumer": "rep-lukas"}) != token
        assert issuer.token_for("b") != token
        assert verifier_for("b", ring).verify(token).claims == anna

    def test_identity_claims_that_are_lists_are_signed_too(self, ring: KeyRing) -> None:
        issuer = ring.issuer("a", ttl_seconds=60)
        token = issuer.token_for("b", claims={"consumer": "ops", "roles": ["operator"]})
        assert verifier_for("b", ring).verify(token).claims["roles"] == ["operator"]

    def test_token_lives_for_the_configured_ttl(self, ring: KeyRing) -> None:
        token = ring.issuer("a", ttl_seconds=60).token_for("b")
        caller = verifier_for("b", ring).verify(token)
        assert 55 <= caller.expires_at - time.time() <= 60

    def test_tokens_are_eddsa_and_name_their_key(self, ring: KeyRing) -> None:
        header = jwt.get_unverified_header(ring.token("a", "b"))
        assert header["alg"] == "EdDSA"
        assert header["kid"].startswith("a:")

    def test_verifier_rejects_garbage(self, ring: KeyRing) -> None:
        with pytest.raises(Unauthorized):
            verifier_for("b", ring).verify("not.a.jwt")


def verifier_for(audience: str, ring: KeyRing, **options: Any) -> ServiceTokenVerifier:
    keys = TrustedKeySet(load_trusted_keys(ring.trusted_dir))
    return ServiceTokenVerifier(audience=audience, keys=keys, **options)


class TestServiceTokenVerifier:
    def test_a_verified_token_is_remembered_until_it_expires(self, ring: KeyRing) -> None:
        clock = Clock(time.time())
        issuer = ring.issuer("quote-to-order", ttl_seconds=60)
        verifier = verifier_for("erp-system", ring, leeway_seconds=5, clock=clock)
        token = issuer.token_for("erp-system")
        first = verifier.verify(token)
        assert verifier.verify(token) is first
        clock.now = first.expires_at + 4
        assert verifier.verify(token) is first, "within the leeway"
        clock.now = first.expires_at + 5
        with pytest.raises(Unauthorized, match="expired"):
            verifier.verify(token)

    def test_a_remembered_token_ends_at_its_maximum_age(self, ring: KeyRing) -> None:
        clock = Clock(time.time())
        now = int(clock.now)
        token = jwt.encode(
            claims(iat=now, exp=now + 3600), ring.private_key("quote-to-order"), algorithm="EdDSA"
        )
        verifier = verifier_for("erp-system", ring, max_age_seconds=60, clock=clock)
        assert verifier.verify(token).expires_at == now + 60
        clock.now = now + 66
        with pytest.raises(Unauthorized, match="expired"):
            verifier.verify(token)

    def test_an_expiry_that_is_not_a_time_is_refused(self, ring: KeyRing) -> None:
        token = jwt.encode(
            claims(exp="tomorrow"), ring.private_key("quote-to-order"), algorithm="EdDSA"
        )
        with pytest.raises(Unauthorized, match="not valid"):
            verifier_for("erp-system", ring).verify(token)

    def test_a_token_for_another_audience_is_never_remembered_as_valid(self, ring: KeyRing) -> None:
        token = ring.token("x", "salesforce-system")
        verifier = verifier_for("erp-system", ring)
        for _ in range(2):
            with pytest.raises(Unauthorized, match="not meant"):
                verifier.verify(token)

    def test_old_and_new_keys_are_both_trusted_during_a_rotation(
        self, ring: KeyRing, tmp_path: Path
    ) -> None:
        old = ring.issuer("gateway")
        new_key = generate_private_key()
        (ring.trusted_dir / "gateway.next.pem").write_bytes(public_key_pem(new_key.public_key()))
        new = ServiceTokenIssuer(issuer="gateway", private_key=new_key)
        verifier = verifier_for("mobile-experience", ring)
        assert verifier.verify(old.token_for("mobile-experience")).service == "gateway"
        assert verifier.verify(new.token_for("mobile-experience")).service == "gateway"

    def test_a_key_added_later_is_read_again(self, ring: KeyRing) -> None:
        clock = Clock(0.0)
        keys = TrustedKeySet(
            load_trusted_keys(ring.trusted_dir),
            load=lambda: load_trusted_keys(ring.trusted_dir),
            clock=clock,
        )
        verifier = ServiceTokenVerifier(audience="erp-system", keys=keys)
        token = ring.token("newcomer", "erp-system")
        clock.now = 31.0
        assert verifier.verify(token).service == "newcomer"

    def test_a_jwks_document_is_a_source_of_trusted_keys(
        self, ring: KeyRing, tmp_path: Path
    ) -> None:
        token = ring.token("quote-to-order", "erp-system")
        jwks = tmp_path / "trusted.jwks.json"
        jwks.write_text(json.dumps(jwks_document(load_trusted_keys(ring.trusted_dir))))
        verifier = ServiceTokenVerifier(
            audience="erp-system", keys=TrustedKeySet(load_trusted_keys(jwks))
        )
        assert verifier.verify(token).service == "quote-to-order"

    def test_a_trusted_key_that_is_not_ed25519_is_refused(self, tmp_path: Path) -> None:
        (tmp_path / "gateway.pem").write_text(
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
        )
        with pytest.raises(KeyMaterialError):
            load_trusted_keys(tmp_path)


Production = Callable[..., ServiceSettings]


@pytest.fixture
def in_production(ring: KeyRing, tmp_path: Path) -> Production:
    """Settings of `kind` in production with keys of their own and a strong Redis password;
    `changes` override any of them."""
    write_private_key(tmp_path / "own.pem", generate_private_key())

    def settings(kind: type[ServiceSettings], **changes: Any) -> ServiceSettings:
        values: dict[str, Any] = {
            "service_name": "erp-system",
            "environment": "production",
            "service_key_file": tmp_path / "own.pem",
            "trusted_keys": ring.trusted_dir,
            "redis_url": f"redis://erp-system:{random_secret()}@redis:6379/0",
            **changes,
        }
        return kind(**values)

    return settings


class TestTokenPair:
    def test_without_keys_outside_production_only_the_service_itself_is_trusted(
        self, ring: KeyRing
    ) -> None:
        issuer, verifier = token_pair(ServiceSettings(service_name="erp-system"))
        assert verifier.verify(issuer.token_for("erp-system")).service == "erp-system"
        with pytest.raises(Unauthorized, match="not signed by a key"):
            verifier.verify(ring.token("quote-to-order", "erp-system"))

    def test_production_refuses_to_start_without_keys(self) -> None:
        settings = ServiceSettings(service_name="erp-system", environment="production")
        with pytest.raises(InsecureConfiguration, match="TRIVIUM_SERVICE_KEY_FILE is not set"):
            token_pair(settings)

    def test_production_refuses_a_key_published_in_the_repository(self, ring: KeyRing) -> None:
        published = Path(__file__).parents[2] / (
            "emulators/salesforce/src/salesforce_emulator/demo/connected-app.key"
        )
        settings = ServiceSettings(
            service_name="erp-system",
            environment="production",
            service_key_file=published,
            trusted_keys=ring.trusted_dir,
        )
        with pytest.raises(InsecureConfiguration, match="holds a key published in the repository"):
            token_pair(settings)

    def test_production_starts_with_keys_of_its_own(self, in_production: Production) -> None:
        issuer, _ = token_pair(in_production(WithSecret, password=SecretStr(random_secret())))
        assert issuer.issuer == "erp-system"

    @pytest.mark.parametrize(
        ("secret", "refusal"),
        [
            ("Trivium-Demo-Pass1", "password is a value published in the repository"),
            ("s3cr3t-but-short-0123456789", "password is shorter than 32 bytes"),
            ("ab" * 24, "password is not random"),
        ],
        ids=["published", "short", "not random"],
    )
    def test_production_refuses_a_weak_secret(
        self, in_production: Production, secret: str, refusal: str
    ) -> None:
        with pytest.raises(InsecureConfiguration, match=refusal):
            token_pair(in_production(WithSecret, password=SecretStr(secret)))

    @pytest.mark.parametrize(
        ("redis_url", "refusal"),
        [
            ("redis://redis:6379/0", "REDIS_URL names no password"),
            ("redis://erp-system:change-me@redis:6379/0", "REDIS_URL's password is a value"),
            ("redis://erp-system:short@redis:6379/0", "REDIS_URL's password is shorter"),
        ],
        ids=["no password", "published", "short"],
    )
    def test_production_refuses_redis_without_a_strong_password(
        self, in_production: Production, redis_url: str, refusal: str
    ) -> None:
        with pytest.raises(InsecureConfiguration, match=refusal):
            token_pair(in_production(ServiceSettings, redis_url=redis_url))

    def test_a_secret_in_a_group_of_settings_is_checked_too(
        self, in_production: Production
    ) -> None:
        settings = in_production(
            WithGroup, backend=Backend(token_secret=SecretStr("trivium-demo-secret"))
        )
        with pytest.raises(InsecureConfiguration, match=r"backend\.token_secret is a value"):
            token_pair(settings)

    def test_every_problem_is_named_at_once(self) -> None:
        settings = WithSecret(
            service_name="erp-system", environment="production", password=SecretStr("short")
        )
        with pytest.raises(InsecureConfiguration) as refused:
            token_pair(settings)
        message = str(refused.value)
        for problem in ("KEY_FILE is not set", "TRUSTED_KEYS is not set", "password", "REDIS_URL"):
            assert problem in message

    def test_a_ttl_beyond_the_maximum_age_is_refused(self) -> None:
        with pytest.raises(ValueError, match="MAX_AGE"):
            ServiceSettings(service_token_ttl_seconds=600, service_token_max_age_seconds=300)


class WithSecret(ServiceSettings):
    """A service's settings with a credential of a backend, as the System APIs have."""

    password: SecretStr = SecretStr("")


class Backend(BaseModel):
    token_secret: SecretStr = SecretStr("")


class WithGroup(ServiceSettings):
    """Settings with a group of a backend's settings (as the ERP System API's `netsuite`)."""

    backend: Backend = Backend()


class Clock:
    """A hand-driven wall clock (seconds since the epoch)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.asyncio
class TestProcessApiRouter:
    @staticmethod
    def process_api(ring: KeyRing) -> FastAPI:
        settings = ServiceSettings(
            service_name="quote-to-order", log_format="text", **ring.settings("quote-to-order")
        )
        business, operations = APIRouter(), APIRouter()

        @business.get("/orders")
        async def list_orders(caller: ServiceCallerDep) -> dict[str, object]:
            return {"caller": caller.service, "claims": dict(caller.claims)}

        @operations.get("/needs-attention")
        async def list_needing_attention(caller: ServiceCallerDep) -> str:
            return caller.service

        app = create_service_app(settings, title="process")
        app.include_router(process_api_router(business=[business], operations=[operations]))
        return app

    async def test_experience_apis_call_the_business_routes_with_their_users_identity(
        self, ring: KeyRing
    ) -> None:
        ring.key_file("mobile-experience")
        async with app_client(self.process_api(ring)) as client:
            token = ring.token("mobile-experience", "quote-to-order", salesforceUsername="rep")
            response = await client.get("/orders", headers=bearer(token))
        assert response.status_code == 200
        assert response.json() == {
            "caller": "mobile-experience",
            "claims": {"salesforceUsername": "rep"},
        }

    async def test_only_operators_call_the_operations_routes(self, ring: KeyRing) -> None:
        for issuer in ("partner-portal-experience", "operator"):
            ring.key_file(issuer)
        async with app_client(self.process_api(ring)) as client:
            refused = await client.get(
                "/needs-attention",
                headers=bearer(ring.token("partner-portal-experience", "quote-to-order")),
            )
            accepted = await client.get(
                "/needs-attention", headers=bearer(ring.token("operator", "quote-to-order"))
            )
        assert refused.status_code == 403
        assert accepted.json() == "operator"
