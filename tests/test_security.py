"""Who gets in: service tokens on every internal route, identities only inside the gateway's
signature, partners kept to their own data, emulator admin behind its token, and no secret in
any log line the suite's services wrote."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import redis

from trivium.keys import generate_private_key, random_secret
from trivium.redis_discovery import free_port
from trivium_testing.keys import session_keys

PROBLEM_JSON = "application/problem+json"
UNPROTECTED = frozenset({"/healthz", "/readyz", "/metrics"})
# Headers a client might set to pose as someone else; an identity only counts when signed.
FORGED_IDENTITY_HEADERS = (
    "X-Consumer-ID",
    "X-Consumer-Username",
    "X-Consumer-Custom-ID",
    "X-Credential-Identifier",
    "X-Authenticated-Userid",
    "X-Partner-Id",
    "X-Partner-Account-Number",
    "X-User",
    "X-Forwarded-User",
)
GOLD_KEY = "demo-gold-7f3a91c2e4b85d06"
REP_KEY = "trivium-mobile-demo"
REP_SECRET = "trivium-mobile-demo-jwt-secret-change-me-0001"
# gateway/kong.yml: the portal page's quota per client address, failed authentications allowed.
PAGE_QUOTA_PER_MINUTE = 300
AUTH_FAILURES_ALLOWED = 10
JWT_IN_TEXT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


def from_address(address: str) -> httpx.AsyncHTTPTransport:
    """Connections from another loopback address: another client, as the gateway sees it."""
    return httpx.AsyncHTTPTransport(local_address=address)


async def openapi_operations(url: str) -> list[tuple[str, str]]:
    """Every (method, path) a running service documents, path parameters filled in."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        document = (await client.get("/openapi.json")).json()
    operations = []
    for path, methods in document["paths"].items():
        if path in UNPROTECTED:
            continue
        concrete = re.sub(r"\{[^}]+\}", "1-0", path)
        operations.extend((method.upper(), concrete) for method in methods)
    return operations


# The HMAC secret every service once shared, published in the repository.
OLD_PUBLISHED_SECRET = "trivium-local-development-secret-change-me"


def forged_token(audience: str, **changes: Any) -> str:
    """A token like a valid one (the gateway's), with `changes` to claims or `key`/`algorithm`."""
    now = int(time.time())
    key = changes.pop("key", None) or session_keys().private_key("gateway")
    algorithm = changes.pop("algorithm", "EdDSA")
    claims = {"iss": "gateway", "aud": audience, "iat": now, "exp": now + 300, **changes}
    return jwt.encode(claims, key, algorithm=algorithm)


def unsigned_token(audience: str) -> str:
    now = int(time.time())
    claims = {"iss": "gateway", "aud": audience, "iat": now, "exp": now + 300}
    return jwt.encode(claims, None, algorithm="none")


BAD_TOKENS: dict[str, Callable[[str], str | None]] = {
    "missing": lambda audience: None,
    "expired": lambda audience: forged_token(
        audience, iat=int(time.time()) - 900, exp=int(time.time()) - 600
    ),
    "wrong audience": lambda audience: forged_token("another-service"),
    "wrong signature": lambda audience: forged_token(audience, key="x" * 43, algorithm="HS256"),
    "untrusted key": lambda audience: forged_token(
        audience, iss="quote-to-order", key=generate_private_key()
    ),
    "old shared secret": lambda audience: forged_token(
        audience, key=OLD_PUBLISHED_SECRET, algorithm="HS256"
    ),
    "too old": lambda audience: forged_token(
        audience, iat=int(time.time()) - 3600, exp=int(time.time()) + 300
    ),
    "unsigned": unsigned_token,
    "garbage": lambda audience: "not.a.token",
}


@pytest.mark.asyncio
class TestServiceTokenRequired:
    @pytest.mark.parametrize("kind", list(BAD_TOKENS))
    async def test_every_route_refuses_a_call_without_a_valid_token(
        self, suite: Any, service: Any, kind: str
    ) -> None:
        token = BAD_TOKENS[kind](service.audience)
        # Everything a route could ask for, except a valid token.
        headers = {"Idempotency-Key": secrets.token_hex(8)}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        operations = await openapi_operations(suite.url(service.name))
        assert operations
        async with httpx.AsyncClient(base_url=suite.url(service.name), timeout=30) as client:
            for method, path in operations:
                response = await client.request(method, path, headers=headers, json={})
                assert response.status_code == 401, (method, path, response.text)
                assert response.headers["content-type"].startswith(PROBLEM_JSON)
                assert "bearer" in response.headers["www-authenticate"].lower()

    async def test_every_route_refuses_a_service_it_does_not_accept(
        self, suite: Any, service: Any
    ) -> None:
        # A System API calls only its backend: no route of any service accepts its calls, its
        # own included, however valid its signature.
        token = session_keys().token("salesforce-system", service.audience)
        operations = await openapi_operations(suite.url(service.name))
        async with httpx.AsyncClient(
            base_url=suite.url(service.name),
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": secrets.token_hex(8)},
            timeout=30,
        ) as client:
            for method, path in operations:
                response = await client.request(method, path, json={})
                assert response.status_code == 403, (method, path, response.text)
                assert response.json()["type"].endswith("/caller-not-accepted"), response.text

    async def test_a_valid_token_is_let_through(self, suite: Any, service: Any) -> None:
        operations = await openapi_operations(suite.url(service.name))
        # A short read, to prove the refusals above are about the token (not a long poll).
        path = min(
            (path for method, path in operations if method == "GET" and "1-0" not in path),
            key=len,
        )
        async with suite.client(service.name) as client:
            response = await client.get(path)
        assert response.status_code != 401, (path, response.text)


def idempotency_entries(suite: Any, service: str) -> int:
    """How many Idempotency-Key claims and answers a service holds in Redis."""
    admin = redis.Redis.from_url(suite.redis_url)
    try:
        return sum(1 for _ in admin.scan_iter(f"trivium:idempotency:{service}:*", count=1000))
    finally:
        admin.close()


@pytest.mark.asyncio
class TestAuthenticationBeforeWork:
    async def test_refused_writes_leave_no_idempotency_claim(
        self, suite: Any, service: Any
    ) -> None:
        operations = await openapi_operations(suite.url(service.name))
        writes = [(method, path) for method, path in operations if method in ("POST", "PUT")]
        assert writes
        before = idempotency_entries(suite, service.name)
        async with httpx.AsyncClient(base_url=suite.url(service.name), timeout=30) as client:
            for method, path in writes:
                for token in (None, BAD_TOKENS["expired"](service.audience)):
                    headers = {"Idempotency-Key": secrets.token_hex(8)}
                    if token:
                        headers["Authorization"] = f"Bearer {token}"
                    response = await client.request(method, path, headers=headers, json={})
                    assert response.status_code == 401, (method, path, response.text)
        assert idempotency_entries(suite, service.name) == before

    @pytest.mark.services(other_identity=True)
    async def test_a_stored_answer_is_not_replayed_without_a_valid_token(
        self, suite: Any, service: Any
    ) -> None:
        reference = f"REPLAY-{secrets.token_hex(4).upper()}"
        body = {"purchaseOrderNumber": reference, "lines": [{"sku": "MAT-0002", "quantity": "1"}]}
        headers = {"Idempotency-Key": reference, "Prefer": "respond-async"}
        async with suite.client(service.name) as owner:
            placed = await owner.post("/partner/v1/orders", json=body, headers=headers)
            again = await owner.post("/partner/v1/orders", json=body, headers=headers)
        assert placed.status_code in (201, 202), placed.text
        assert again.json()["orderId"] == placed.json()["orderId"]
        async with httpx.AsyncClient(base_url=suite.url(service.name), timeout=30) as stranger:
            for token in (None, BAD_TOKENS["wrong signature"](service.audience)):
                auth = {"Authorization": f"Bearer {token}"} if token else {}
                replayed = await stranger.post(
                    "/partner/v1/orders", json=body, headers={**headers, **auth}
                )
                assert replayed.status_code == 401, replayed.text
                assert replayed.headers["content-type"].startswith(PROBLEM_JSON)
                assert placed.json()["orderId"] not in replayed.text


async def reads_of_data_at_rest(
    client: httpx.AsyncClient, path: str, forged: dict[str, str]
) -> tuple[httpx.Response, httpx.Response]:
    """`path` read honestly and with `forged` headers while what it shows stayed the same: the
    honest read is taken again after the forged one, and the pair is taken anew when the two
    honest reads differ (the stack's orders move on in the background: a status, a new order)."""
    for _ in range(20):
        honest = await client.get(path)
        posing = await client.get(path, headers=forged)
        again = await client.get(path)
        if honest.status_code != 200 or honest.content == again.content:
            return honest, posing
    raise AssertionError(f"{path} changed between every two reads")


@pytest.mark.asyncio
@pytest.mark.services(identity=True)
class TestForgedIdentity:
    async def test_identity_headers_do_not_change_who_the_caller_is(
        self, suite: Any, service: Any
    ) -> None:
        operations = await openapi_operations(suite.url(service.name))
        reads = [path for method, path in operations if method == "GET" and "1-0" not in path]
        other = service.other_identity or {key: "someone-else" for key in service.identity}
        forged = {header: value for header in FORGED_IDENTITY_HEADERS for value in other.values()}
        async with suite.client(service.name) as client:
            for path in reads:
                honest, posing = await reads_of_data_at_rest(client, path, forged)
                assert honest.status_code == 200, (path, honest.text)
                assert (posing.status_code, posing.json()) == (200, honest.json())

    async def test_headers_alone_do_not_make_an_identity(
        self, suite: Any, service: Any, signer: Callable[..., str]
    ) -> None:
        operations = await openapi_operations(suite.url(service.name))
        reads = [path for method, path in operations if method == "GET" and "1-0" not in path]
        forged = {
            header: value
            for header in FORGED_IDENTITY_HEADERS
            for value in service.identity.values()
        }
        bare = signer(service.audience)
        async with httpx.AsyncClient(base_url=suite.url(service.name), timeout=30) as client:
            for path in reads:
                response = await client.get(
                    path, headers={**forged, "Authorization": f"Bearer {bare}"}
                )
                assert response.status_code in (401, 403), (path, response.text)

    async def test_an_identity_signed_by_another_service_is_not_accepted(
        self, suite: Any, service: Any, signer: Callable[..., str]
    ) -> None:
        operations = await openapi_operations(suite.url(service.name))
        reads = [path for method, path in operations if method == "GET" and "1-0" not in path]
        token = signer(service.audience, issuer="quote-to-order", **service.identity)
        async with httpx.AsyncClient(
            base_url=suite.url(service.name),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ) as client:
            for path in reads:
                response = await client.get(path)
                assert response.status_code in (401, 403), (path, response.text)


@pytest.mark.asyncio
@pytest.mark.services(other_identity=True)
class TestPartnerIsolation:
    async def test_a_partner_sees_only_its_own_account_and_orders(
        self, suite: Any, service: Any
    ) -> None:
        reference = f"BOLA-{secrets.token_hex(4).upper()}"
        async with (
            suite.client(service.name) as owner,
            suite.client(service.name, identity=service.other_identity) as intruder,
        ):
            placed = await owner.post(
                "/partner/v1/orders",
                json={
                    "purchaseOrderNumber": reference,
                    "lines": [{"sku": "MAT-0002", "quantity": "1"}],
                },
                headers={"Idempotency-Key": reference, "Prefer": "respond-async"},
            )
            assert placed.status_code in (201, 202), placed.text
            order_id = placed.json()["orderId"]

            assert (await owner.get(f"/partner/v1/orders/{order_id}")).status_code == 200
            stolen = await intruder.get(f"/partner/v1/orders/{order_id}")
            assert stolen.status_code == 404, stolen.text
            assert stolen.headers["content-type"].startswith(PROBLEM_JSON)
            listed = (await intruder.get("/partner/v1/orders", params={"limit": 100})).json()
            assert order_id not in {order["orderId"] for order in listed["items"]}
            account = (await intruder.get("/partner/v1/account")).json()
            assert account["accountNumber"] == service.other_identity["partnerAccountNumber"]

    async def test_a_stored_order_is_replayed_only_to_callers_trusted_with_the_partner(
        self, suite: Any, service: Any, signer: Callable[..., str]
    ) -> None:
        reference = f"BOLA-{secrets.token_hex(4).upper()}"
        body = {"purchaseOrderNumber": reference, "lines": [{"sku": "MAT-0002", "quantity": "1"}]}
        headers = {"Idempotency-Key": reference, "Prefer": "respond-async"}
        # Another service's valid token naming the same partner: only the gateway may name one.
        token = signer(service.audience, issuer="quote-to-order", **service.identity)
        async with (
            suite.client(service.name) as owner,
            httpx.AsyncClient(
                base_url=suite.url(service.name),
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            ) as impostor,
        ):
            placed = await owner.post("/partner/v1/orders", json=body, headers=headers)
            replayed = await impostor.post("/partner/v1/orders", json=body, headers=headers)
        assert placed.status_code in (201, 202), placed.text
        assert replayed.status_code == 403, replayed.text
        assert placed.json()["orderId"] not in replayed.text

    async def test_a_partner_cannot_order_on_another_partners_account(
        self, suite: Any, service: Any
    ) -> None:
        reference = f"BOLA-{secrets.token_hex(4).upper()}"
        async with suite.client(service.name, identity=service.other_identity) as intruder:
            response = await intruder.post(
                "/partner/v1/orders",
                json={
                    "purchaseOrderNumber": reference,
                    "accountNumber": service.identity["partnerAccountNumber"],
                    "lines": [{"sku": "MAT-0002", "quantity": "1"}],
                },
                headers={"Idempotency-Key": reference},
            )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith(PROBLEM_JSON)


def without_credit(account: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in account.items() if name != "credit"}


@pytest.mark.asyncio
class TestGatewayIdentity:
    async def test_a_partner_is_who_its_key_says_whatever_headers_it_sends(
        self, gateway: Any
    ) -> None:
        forged = {header: "P-1002" for header in FORGED_IDENTITY_HEADERS}
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            honest = await client.get("/partner/v1/account", headers={"apikey": GOLD_KEY})
            posing = await client.get("/partner/v1/account", headers={**forged, "apikey": GOLD_KEY})
        assert honest.status_code == 200, honest.text
        assert honest.json()["accountNumber"] == "P-1001"
        assert posing.status_code == 200, posing.text
        # The account, not its credit: orders of other tests may still be moving the exposure.
        assert without_credit(posing.json()) == without_credit(honest.json())
        assert posing.json()["credit"]["limit"] == honest.json()["credit"]["limit"]

    @pytest.mark.parametrize("key", [None, "not-a-partner-key"])
    async def test_identity_headers_without_a_valid_key_get_nothing(
        self, gateway: Any, signer: Callable[..., str], key: str | None
    ) -> None:
        forged = {header: "P-1001" for header in FORGED_IDENTITY_HEADERS}
        # Even a well-formed identity token from outside is only a header the gateway replaces.
        token = signer("partner-portal-experience", partnerAccountNumber="P-1001")
        headers = {**forged, "Authorization": f"Bearer {token}"}
        if key:
            headers["apikey"] = key
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            response = await client.get("/partner/v1/account", headers=headers)
        assert response.status_code == 401, response.text


@pytest.mark.asyncio
class TestGatewayHardening:
    """Probes against the public gateway port: each is refused the way Kong refuses it."""

    async def test_metrics_are_not_on_the_proxy_port(self, gateway: Any) -> None:
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            response = await client.get("/metrics")
        assert response.status_code == 404, response.text
        assert "trivium_" not in response.text

    async def test_the_portal_page_takes_no_large_body(self, gateway: Any) -> None:
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            response = await client.request("GET", "/partner/", content=b"x" * (1024 * 1024))
        assert response.status_code == 413, response.text
        assert response.json()["message"] == "Request size limit exceeded"

    async def test_the_portal_page_has_a_quota_per_address(self, gateway: Any) -> None:
        statuses = []
        async with httpx.AsyncClient(
            base_url=gateway.url, timeout=30, transport=from_address("127.0.0.4")
        ) as flooder:
            while 429 not in statuses and len(statuses) <= PAGE_QUOTA_PER_MINUTE:
                statuses.append((await flooder.get("/partner/")).status_code)
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            neighbour = await client.get("/partner/")
        assert statuses[-1] == 429, statuses
        assert neighbour.status_code == 200

    async def test_a_rep_token_not_valid_yet_is_refused(self, gateway: Any) -> None:
        now = int(time.time())
        token = jwt.encode(
            {"iss": REP_KEY, "sub": "anna.becker", "iat": now, "nbf": now + 600, "exp": now + 900},
            REP_SECRET,
            algorithm="HS256",
        )
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            response = await client.get(
                "/mobile/v1/accounts", headers={"Authorization": f"Bearer {token}"}
            )
        assert response.status_code == 401, response.text
        assert response.json() == {"nbf": "token not valid yet"}

    async def test_guessing_keys_locks_out_the_guessers_address(self, gateway: Any) -> None:
        statuses = []
        async with httpx.AsyncClient(
            base_url=gateway.url, timeout=30, transport=from_address("127.0.0.3")
        ) as guesser:
            # The failures are counted just after each answer: guess until the lock shows.
            while 429 not in statuses and len(statuses) < 100:
                guess = {"apikey": secrets.token_hex(8)}
                statuses.append(
                    (await guesser.get("/partner/v1/account", headers=guess)).status_code
                )
            right_key = await guesser.get("/partner/v1/account", headers={"apikey": GOLD_KEY})
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            neighbour = await client.get("/partner/v1/account", headers={"apikey": GOLD_KEY})
        assert statuses[:AUTH_FAILURES_ALLOWED] == [401] * AUTH_FAILURES_ALLOWED
        assert right_key.status_code == 429
        assert right_key.headers["content-type"] == PROBLEM_JSON
        assert right_key.json()["type"].endswith("/too-many-failed-authentications")
        assert int(right_key.headers["retry-after"]) >= 1
        assert neighbour.status_code == 200, neighbour.text


class TestEmulatorAdmin:
    @pytest.mark.asyncio
    @pytest.mark.parametrize("emulator", ["sf_emulator", "s4_emulator"])
    @pytest.mark.parametrize("token", [None, "wrong-admin-token"])
    async def test_admin_routes_need_the_admin_token(
        self, suite: Any, emulator: str, token: str | None
    ) -> None:
        running = getattr(suite.system, emulator)
        headers = {"X-Admin-Token": token} if token else {}
        operations = [
            (method, path)
            for method, path in await openapi_operations(running.url)
            if path.startswith("/__admin")
        ]
        assert operations
        async with httpx.AsyncClient(base_url=running.url, headers=headers, timeout=30) as client:
            for method, path in operations:
                response = await client.request(method, path, json={"error_rate": 1.0})
                assert response.status_code == 401, (method, path, response.text)
                assert response.headers["content-type"].startswith(PROBLEM_JSON)
        admin = suite.system.sf_admin() if emulator == "sf_emulator" else suite.system.s4_admin()
        async with admin:
            chaos = (await admin.get("/chaos")).json()
        assert chaos["errorRate"] == 0


class TestLogs:
    def test_no_secret_or_token_reaches_a_log_line(
        self, suite: Any, configured_secrets: dict[str, str]
    ) -> None:
        logs = suite.log_files()
        assert logs
        leaks = []
        for path in logs:
            text = path.read_text(errors="replace")
            leaks.extend(
                f"{path.name}: {name}"
                for name, value in configured_secrets.items()
                if value in text
            )
            leaks.extend(f"{path.name}: a JWT" for _ in JWT_IN_TEXT.finditer(text))
            if re.search(r"authorization['\"]?\s*[:=]\s*['\"]?bearer", text, re.IGNORECASE):
                leaks.append(f"{path.name}: an Authorization header")
        assert leaks == []


@pytest.mark.asyncio
class TestSigningKeys:
    """Each service signs with a key of its own; a route accepts only the issuers it names."""

    async def test_a_process_api_cannot_pass_an_end_user_to_an_experience_api(
        self, suite: Any
    ) -> None:
        # quote-to-order's own, valid key, with a rep's identity in it: not the gateway's.
        token = session_keys().token(
            "quote-to-order", "mobile-experience", salesforceUsername="anna.becker@trivium.demo"
        )
        async with httpx.AsyncClient(base_url=suite.url("mobile-experience"), timeout=30) as client:
            response = await client.get(
                "/mobile/v1/accounts", headers={"Authorization": f"Bearer {token}"}
            )
        assert response.status_code == 403, response.text
        assert response.json()["type"].endswith("/caller-not-accepted")

    async def test_a_system_api_cannot_sign_as_the_gateway(self, suite: Any) -> None:
        as_gateway = jwt.encode(
            {
                "iss": "gateway",
                "aud": "mobile-experience",
                "iat": int(time.time()),
                "exp": int(time.time()) + 60,
                "salesforceUsername": "anna.becker@trivium.demo",
            },
            session_keys().private_key("erp-system"),
            algorithm="EdDSA",
        )
        async with httpx.AsyncClient(base_url=suite.url("mobile-experience"), timeout=30) as client:
            response = await client.get(
                "/mobile/v1/accounts", headers={"Authorization": f"Bearer {as_gateway}"}
            )
        assert response.status_code == 401, response.text

    async def test_an_experience_api_cannot_open_the_operator_routes(self, suite: Any) -> None:
        token = session_keys().token("mobile-experience", "quote-to-order", roles=["operator"])
        async with httpx.AsyncClient(base_url=suite.url("quote-to-order"), timeout=30) as client:
            response = await client.get(
                "/dead-letters", headers={"Authorization": f"Bearer {token}"}
            )
        assert response.status_code == 403, response.text
        assert response.json()["type"].endswith("/caller-not-accepted")


PUBLISHED_KEY = (
    Path(__file__).resolve().parents[1]
    / "emulators/salesforce/src/salesforce_emulator/demo/connected-app.key"
)
# Variables a service or emulator reads (its prefix, or a shared name): none leaks in from the
# environment the tests run in, so each start sees only what the test gives it.
SERVICE_VARIABLES = (
    "TRIVIUM_", "REDIS_URL", "SF_", "S4_", "NS_", "ERP_", "NETSUITE_", "QUOTE_TO_ORDER_",
    "CREATE_CUSTOMER_", "CUSTOMER_SYNC_", "MOBILE_", "PARTNER_PORTAL_", "GATEWAY_",
)  # fmt: skip
EMULATORS = (
    "salesforce_emulator.main:create_app",
    "s4hana_emulator.main:create_app",
    "netsuite_emulator.main:create_app",
)


def production_starts(service: Any) -> list[list[str]]:
    """The commands a deployment runs for a service: its API, and its workers-only process."""
    starts = [["-m", "uvicorn", "--factory", service.app_factory, "--port", str(free_port())]]
    if service.worker:
        starts.append(["-m", service.worker])
    return starts


def start_in_production(arguments: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run a service as a deployment would, with TRIVIUM_ENV=production; it should exit."""
    base = {
        key: value for key, value in os.environ.items() if not key.startswith(SERVICE_VARIABLES)
    }
    return subprocess.run(
        [sys.executable, *arguments],
        env={**base, "TRIVIUM_ENV": "production", **env},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def redis_as(service: str, password: str) -> str:
    return f"redis://{service}:{password}@127.0.0.1:{free_port()}/0"


class TestProductionRefusal:
    def test_every_service_without_its_keys_refuses_to_start(self, service: Any) -> None:
        for arguments in production_starts(service):
            finished = start_in_production(arguments)
            assert finished.returncode != 0, arguments
            output = finished.stdout + finished.stderr
            assert f"{service.name} refuses to start in production" in output, output[-2000:]
            assert "TRIVIUM_SERVICE_KEY_FILE is not set" in output
            assert "TRIVIUM_TRUSTED_KEYS is not set" in output
            assert "REDIS_URL names no password" in output

    @pytest.mark.parametrize(
        ("password", "refusal"),
        [
            ("change-me", "REDIS_URL's password is a value published in the repository"),
            ("only-twenty-four-bytes!!", "REDIS_URL's password is shorter than 32 bytes"),
        ],
        ids=["published", "short"],
    )
    def test_every_service_with_its_keys_refuses_a_weak_secret(
        self, service: Any, password: str, refusal: str
    ) -> None:
        # Its own keys are in order: the one weak value is all that is named.
        for arguments in production_starts(service):
            finished = start_in_production(
                arguments,
                **session_keys().env(service.name),
                REDIS_URL=redis_as(service.name, password),
            )
            assert finished.returncode != 0, arguments
            output = finished.stdout + finished.stderr
            assert f"{service.name} refuses to start in production: {refusal}" in output, output[
                -2000:
            ]
            assert "TRIVIUM_SERVICE_KEY_FILE" not in output

    def test_a_key_published_in_the_repository_is_refused(self) -> None:
        finished = start_in_production(
            ["-m", "uvicorn", "--factory", "erp_system.main:create_app", "--port", "0"],
            TRIVIUM_SERVICE_KEY_FILE=str(PUBLISHED_KEY),
            TRIVIUM_TRUSTED_KEYS=str(session_keys().trusted_dir),
            REDIS_URL=redis_as("erp-system", random_secret()),
        )
        assert finished.returncode != 0
        assert (
            "erp-system refuses to start in production: TRIVIUM_SERVICE_KEY_FILE holds a key "
            "published in the repository" in finished.stdout + finished.stderr
        )

    @pytest.mark.parametrize(
        ("variable", "value", "refusal"),
        [
            ("ERP_SYSTEM_PASSWORD", "Trivium-Demo-Pass1", "password is a value published"),
            ("ERP_SYSTEM_PASSWORD", "Zq8-short-but-mixed-Pw", "password is shorter than 32"),
            ("ERP_SYSTEM_OAUTH_CLIENT_SECRET", "ab" * 20, "oauth_client_secret is not random"),
            ("NETSUITE_TOKEN_SECRET", "trivium-demo-secret", "netsuite.token_secret is a value"),
        ],
        ids=["published", "short", "not random", "nested"],
    )
    def test_a_weak_backend_credential_is_refused(
        self, variable: str, value: str, refusal: str
    ) -> None:
        finished = start_in_production(
            ["-m", "uvicorn", "--factory", "erp_system.main:create_app", "--port", "0"],
            **session_keys().env("erp-system"),
            REDIS_URL=redis_as("erp-system", random_secret()),
            **{variable: value},
        )
        assert finished.returncode != 0
        output = finished.stdout + finished.stderr
        assert f"erp-system refuses to start in production: {refusal}" in output, output[-2000:]

    @pytest.mark.parametrize("app_factory", EMULATORS)
    def test_an_emulator_refuses_to_start(self, app_factory: str) -> None:
        finished = start_in_production(
            ["-m", "uvicorn", "--factory", app_factory, "--port", str(free_port())]
        )
        assert finished.returncode != 0
        assert "never runs in production" in finished.stdout + finished.stderr


ENV_EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"
# Variables that hold a credential: .env.example names them, with no value.
CREDENTIAL_VARIABLE = re.compile(r"(SECRET|PASSWORD|_TOKEN|TOKEN_ID|CONSUMER_KEY)$")


class TestPublishedConfiguration:
    def test_env_example_names_credentials_without_values(self) -> None:
        assignments = [
            line.lstrip("# ").split("=", 1)
            for line in ENV_EXAMPLE.read_text().splitlines()
            if re.match(r"^(# )?[A-Z][A-Z0-9_]*=", line)
        ]
        credentials = {
            name: value for name, value in assignments if CREDENTIAL_VARIABLE.search(name)
        }
        assert len(credentials) >= 10, credentials
        assert {name: value for name, value in credentials.items() if value} == {}
        # No URL carries a password either (Redis's is each service's own, from the secrets).
        assert [
            value for _, value in assignments if re.search(r"//[^/@\s]*:[^/@\s]*@", value)
        ] == []


# Object-level authorization of sales reps (OWASP API1): a rep acts only on the accounts they own.
ANNA = "anna.becker@trivium.demo"
LUKAS = "lukas.schmidt@trivium.demo"
LUKAS_AT_THE_GATEWAY = {"salesforceUsername": LUKAS, "plan": "internal"}
LUKAS_QUOTE = "Quote 03"  # the demo quote of P-1003, Lukas's account
DEMO_CONNECTED_APP_KEY = (
    Path(__file__).resolve().parents[1]
    / "emulators/salesforce/src/salesforce_emulator/demo/connected-app.key"
)


def anna_through_the_gateway(gateway: Any) -> httpx.AsyncClient:
    """Anna, the demo rep, with the JWT the mobile app sends the gateway."""
    now = int(time.time())
    token = jwt.encode(
        {"iss": REP_KEY, "sub": "anna.becker", "iat": now, "nbf": now, "exp": now + 300},
        REP_SECRET,
        algorithm="HS256",
    )
    return httpx.AsyncClient(
        base_url=gateway.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def a_customer(website: str) -> dict[str, Any]:
    suffix = secrets.token_hex(3).upper()
    return {
        "name": f"Bola Kunde {suffix} GmbH",
        "website": website,
        "address": {
            "street": "Leopoldstraße",
            "houseNumber": "12",
            "postalCode": "80802",
            "city": "München",
            "country": "DE",
        },
    }


async def create_customer(client: httpx.AsyncClient, body: dict[str, Any], **params: str) -> Any:
    return await client.post(
        "/mobile/v1/customers",
        json=body,
        params=params,
        headers={"Idempotency-Key": secrets.token_hex(12)},
    )


async def soql(suite: Any, query: str) -> list[dict[str, Any]]:
    async with suite.system.salesforce_org() as org:
        response = await org.get("/services/data/v62.0/query", params={"q": query})
    response.raise_for_status()
    records: list[dict[str, Any]] = response.json()["records"]
    return records


async def erp_orders_of(suite: Any, reference: str) -> list[dict[str, Any]]:
    async with suite.system.sap_odata() as sap:
        response = await sap.get(
            "/API_SALES_ORDER_SRV/A_SalesOrder",
            params={"$filter": f"PurchaseOrderByCustomer eq '{reference}'"},
        )
    response.raise_for_status()
    rows: list[dict[str, Any]] = response.json()["d"]["results"]
    return rows


async def sign_in_as(suite: Any, username: str) -> tuple[str, str]:
    """An access token of `username` by the OAuth 2.0 JWT bearer flow, and their user id."""
    assertion = jwt.encode(
        {
            "iss": "trivium-demo-client",
            "sub": username,
            "aud": "https://login.salesforce.com",
            "exp": int(time.time()) + 180,
        },
        DEMO_CONNECTED_APP_KEY.read_bytes(),
        algorithm="RS256",
    )
    async with httpx.AsyncClient(base_url=suite.system.sf_emulator.url, timeout=30) as org:
        issued = await org.post(
            "/services/oauth2/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion,
            },
        )
        assert issued.status_code == 200, issued.text
        token = str(issued.json()["access_token"])
        identity = await org.get(issued.json()["id"], headers={"Authorization": f"Bearer {token}"})
    return token, str(identity.json()["user_id"])


@pytest.mark.asyncio
class TestRepOwnership:
    async def test_a_rep_cannot_order_another_reps_quote(self, suite: Any, gateway: Any) -> None:
        [quote] = await soql(suite, f"SELECT Id FROM Quote WHERE Name = '{LUKAS_QUOTE}'")
        crm_before = await soql(suite, f"SELECT Id FROM Order WHERE QuoteId = '{quote['Id']}'")
        erp_before = await erp_orders_of(suite, quote["Id"])
        async with anna_through_the_gateway(gateway) as anna:
            response = await anna.post(
                f"/mobile/v1/quotes/{quote['Id']}/order",
                headers={"Idempotency-Key": secrets.token_hex(12)},
            )
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        assert response.json()["type"].endswith("/quote-not-found")
        crm_after = await soql(suite, f"SELECT Id FROM Order WHERE QuoteId = '{quote['Id']}'")
        assert crm_after == crm_before
        assert await erp_orders_of(suite, quote["Id"]) == erp_before

    async def test_a_rep_cannot_read_another_reps_order(self, suite: Any, gateway: Any) -> None:
        [quote] = await soql(suite, f"SELECT Id FROM Quote WHERE Name = '{LUKAS_QUOTE}'")
        async with suite.client("mobile-experience", identity=LUKAS_AT_THE_GATEWAY) as lukas:
            placed = await lukas.post(
                f"/mobile/v1/quotes/{quote['Id']}/order",
                headers={"Idempotency-Key": secrets.token_hex(12)},
            )
            assert placed.status_code in (201, 202, 409), placed.text
            body = placed.json()
            order_id = body.get("orderId") or body["existingOrderId"]
            assert (await lukas.get(f"/mobile/v1/orders/{order_id}")).status_code == 200
        async with anna_through_the_gateway(gateway) as anna:
            stolen = await anna.get(f"/mobile/v1/orders/{order_id}")
        assert stolen.status_code == 404, stolen.text
        assert stolen.headers["content-type"].startswith(PROBLEM_JSON)
        assert stolen.json()["type"].endswith("/order-not-found")

    async def test_the_duplicate_check_names_no_record_of_another_rep(
        self, suite: Any, gateway: Any
    ) -> None:
        website = f"https://www.bola-{secrets.token_hex(4)}.example"
        async with suite.client("mobile-experience", identity=LUKAS_AT_THE_GATEWAY) as lukas:
            first = await create_customer(lukas, a_customer(website))
        assert first.status_code == 201, first.text
        theirs = first.json()
        async with anna_through_the_gateway(gateway) as anna:
            rejected = await create_customer(anna, a_customer(website))
            linked = await create_customer(anna, a_customer(website), onDuplicate="link")
        for response in (rejected, linked):
            assert response.status_code == 409, response.text
            assert response.headers["content-type"].startswith(PROBLEM_JSON)
            problem = response.json()
            assert problem["reason"] == "duplicate-customer-of-another-owner"
            assert "already exists" in problem["detail"]
            assert theirs["accountId"] not in response.text
            assert theirs["erpCustomerNumber"] not in response.text
        domain = website.removeprefix("https://www.")
        accounts = await soql(suite, f"SELECT Id FROM Account WHERE Website LIKE '%{domain}%'")
        assert [row["Id"] for row in accounts] == [theirs["accountId"]]

    async def test_a_customer_a_rep_creates_is_owned_by_the_rep(
        self, suite: Any, gateway: Any
    ) -> None:
        async with anna_through_the_gateway(gateway) as anna:
            created = await create_customer(
                anna, a_customer(f"https://www.bola-{secrets.token_hex(4)}.example")
            )
            assert created.status_code == 201, created.text
            account_id = created.json()["accountId"]
            assert (await anna.get(f"/mobile/v1/accounts/{account_id}")).status_code == 200
        # Seen as Anna herself in the org: the account is hers.
        token, user_id = await sign_in_as(suite, ANNA)
        async with httpx.AsyncClient(
            base_url=suite.system.sf_emulator.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ) as org:
            rows = await org.get(
                "/services/data/v62.0/query",
                params={"q": f"SELECT OwnerId FROM Account WHERE Id = '{account_id}'"},
            )
        assert rows.json()["records"][0]["OwnerId"] == user_id
