"""Idempotency-Key: one execution per key, replays, 400/409/422 problems, release, expiry, scope."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest
import redis.asyncio
from fastapi import APIRouter, Depends, FastAPI, Request, Response

from trivium.app import create_service_app
from trivium.idempotency import (
    Claim,
    IdempotencyRequestInProgress,
    IdempotencyStore,
    StoredResponse,
    caller_scope,
    idempotent_route,
    service_and_consumer,
)
from trivium.problems import PROBLEM_BASE_URI, NotFound, Unauthorized, problem_responses
from trivium.redis_discovery import free_port
from trivium.schemas import ApiModel, ApiRequest
from trivium.service_auth import ServiceCaller, token_pair
from trivium.settings import ServiceSettings
from trivium_testing.apps import app_client
from trivium_testing.keys import session_keys
from trivium_testing.waiting import until

PROBLEM = "application/problem+json"


class OrderCreate(ApiRequest):
    sku: str
    quantity: int


class OrderRead(ApiModel):
    order_id: str
    sku: str
    quantity: int


@dataclass
class Backend:
    """What the test handler does: how long it takes (or the event it waits for), how it fails
    next, how often it ran."""

    delay: float = 0.0
    hold: asyncio.Event | None = None
    failures: list[str] = field(default_factory=list)
    calls: int = 0


async def _pttl_at_most(client: redis.asyncio.Redis, key: str, ms: int) -> bool:
    return 0 < int(await client.pttl(key)) <= ms


async def expire_now(client: redis.asyncio.Redis, key: str) -> None:
    """End the key's TTL or lease at once (Redis expires it as it would at the end)."""
    await client.pexpire(key, 1)
    await until(lambda: _gone(client, key))


async def _gone(client: redis.asyncio.Redis, key: str) -> bool:
    return not await client.exists(key)


def partner_of(request: Request) -> str:
    return request.headers.get("x-partner-id", "")


def build_app(
    settings: ServiceSettings, backend: Backend, *, wait_seconds: float, lease_seconds: float
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = redis.asyncio.Redis.from_url(settings.redis_url)
        app.state.idempotency = IdempotencyStore.from_settings(
            client, settings, wait_seconds=wait_seconds, lease_seconds=lease_seconds
        )
        try:
            yield
        finally:
            await client.aclose()

    # The routes authenticate by header here; the service-token guard has tests of its own.
    app = create_service_app(settings, title="Orders", lifespan=lifespan, guard_requests=False)
    router = APIRouter(route_class=idempotent_route(scope=partner_of))

    @router.post("/orders", status_code=201, responses=problem_responses(NotFound))
    async def create_order(order: OrderCreate, response: Response) -> OrderRead:
        backend.calls += 1
        await asyncio.sleep(backend.delay)
        if backend.hold is not None:
            await backend.hold.wait()
        failure = backend.failures.pop(0) if backend.failures else None
        if failure == "crash":
            raise RuntimeError("the backend crashed")
        if failure == "refuse":
            raise NotFound(f"No product {order.sku}.")
        created = OrderRead(order_id=uuid.uuid4().hex, sku=order.sku, quantity=order.quantity)
        if failure == "unavailable":
            response.status_code = 503
        response.headers["Location"] = f"/orders/{created.order_id}"
        return created

    @router.get("/orders/{order_id}")
    async def get_order(order_id: str) -> dict[str, str]:
        return {"orderId": order_id}

    notes = APIRouter(route_class=idempotent_route(required=False))

    @notes.post("/notes", status_code=201)
    async def create_note() -> dict[str, int]:
        backend.calls += 1
        return {"call": backend.calls}

    guarded = APIRouter(
        route_class=idempotent_route(), dependencies=[Depends(require_partner_header)]
    )

    @guarded.post("/guarded", status_code=201)
    async def create_guarded() -> dict[str, int]:
        backend.calls += 1
        return {"call": backend.calls}

    app.include_router(router, prefix="/v1")
    app.include_router(notes, prefix="/v1")
    app.include_router(guarded, prefix="/v1")
    return app


async def require_partner_header(request: Request) -> None:
    if not request.headers.get("x-partner-id"):
        raise Unauthorized("Say who you are.")


@asynccontextmanager
async def serve(
    redis_url: str,
    backend: Backend,
    *,
    ttl_seconds: int = 60,
    wait_seconds: float = 2.0,
    lease_seconds: float = 5.0,
) -> AsyncIterator[httpx.AsyncClient]:
    settings = ServiceSettings(
        service_name="orders",
        redis_url=redis_url,
        log_format="text",
        idempotency_ttl_seconds=ttl_seconds,
    )
    app = build_app(settings, backend, wait_seconds=wait_seconds, lease_seconds=lease_seconds)
    async with (
        app.router.lifespan_context(app),
        app_client(app, raise_app_exceptions=False) as client,
    ):
        yield client


def order(sku: str = "SKU-1", quantity: int = 2) -> dict[str, object]:
    return {"sku": sku, "quantity": quantity}


def keyed(key: str, partner: str = "P-1") -> dict[str, str]:
    return {"Idempotency-Key": key, "X-Partner-ID": partner}


def assert_problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == PROBLEM_BASE_URI + slug


class TestFirstRequest:
    @pytest.mark.asyncio
    async def test_runs_handler_and_stores_outcome_for_ttl(
        self, redis_url: str, redis_client: redis.asyncio.Redis
    ) -> None:
        backend = Backend()
        async with serve(redis_url, backend, ttl_seconds=120) as client:
            response = await client.post("/v1/orders", json=order(), headers=keyed("k-1"))
        assert response.status_code == 201
        assert response.headers["location"] == f"/orders/{response.json()['orderId']}"
        assert "idempotent-replayed" not in response.headers
        assert backend.calls == 1
        [key] = await redis_client.keys("trivium:idempotency:orders:*")
        assert 115_000 < await redis_client.pttl(key) <= 120_000


@pytest.mark.asyncio
class TestConcurrentRepeat:
    async def test_fifty_concurrent_requests_execute_once(self, redis_url: str) -> None:
        backend = Backend(delay=0.2)
        # The repeats wait for the first; the wait only ends a request that hangs.
        async with serve(redis_url, backend, wait_seconds=30) as client:
            responses = await asyncio.gather(
                *(client.post("/v1/orders", json=order(), headers=keyed("k-50")) for _ in range(50))
            )
        assert backend.calls == 1
        assert {response.status_code for response in responses} == {201}
        assert len({response.content for response in responses}) == 1
        assert len({response.headers["location"] for response in responses}) == 1
        replayed = [r for r in responses if r.headers.get("idempotent-replayed") == "true"]
        assert len(replayed) == 49

    async def test_still_running_after_wait_is_409_with_retry_after(self, redis_url: str) -> None:
        backend = Backend(hold=asyncio.Event())
        async with serve(redis_url, backend, wait_seconds=0.2) as client:
            first = asyncio.create_task(
                client.post("/v1/orders", json=order(), headers=keyed("k-slow"))
            )
            await until(lambda: backend.calls == 1)
            started = time.monotonic()
            repeat = await client.post("/v1/orders", json=order(), headers=keyed("k-slow"))
            waited = time.monotonic() - started
            backend.hold.set()
            original = await first
            later = await client.post("/v1/orders", json=order(), headers=keyed("k-slow"))
        assert_problem(repeat, 409, "idempotency-request-in-progress")
        # At the latest when the running first request's lease (5 s, renewed) would run out.
        assert 1 <= int(repeat.headers["retry-after"]) <= 5
        assert waited >= 0.2, "the repeat waited for the first before giving up"
        assert original.status_code == 201
        assert later.headers["idempotent-replayed"] == "true"
        assert later.content == original.content
        assert backend.calls == 1

    async def test_retry_after_is_the_lease_the_first_request_has_left(
        self, redis_url: str, redis_client: redis.asyncio.Redis
    ) -> None:
        backend = Backend(hold=asyncio.Event())
        async with serve(redis_url, backend, lease_seconds=60, wait_seconds=0.2) as client:
            first = asyncio.create_task(
                client.post("/v1/orders", json=order(), headers=keyed("k-dead"))
            )
            await until(lambda: backend.calls == 1)
            [key] = await redis_client.keys("trivium:idempotency:orders:*")
            # As a claim whose process died 52.5 s ago stands: nobody renews it any more.
            await redis_client.pexpire(key, 7_500)
            repeat = await client.post("/v1/orders", json=order(), headers=keyed("k-dead"))
            backend.hold.set()
            await first
        assert_problem(repeat, 409, "idempotency-request-in-progress")
        assert 7 <= int(repeat.headers["retry-after"]) <= 8

    async def test_running_handler_keeps_its_lease_past_the_lease_time(
        self, redis_url: str, redis_client: redis.asyncio.Redis
    ) -> None:
        backend = Backend(hold=asyncio.Event())
        async with serve(redis_url, backend, lease_seconds=3, wait_seconds=30) as client:
            first = asyncio.create_task(
                client.post("/v1/orders", json=order(), headers=keyed("k-long"))
            )
            await until(lambda: backend.calls == 1)
            [key] = await redis_client.keys("trivium:idempotency:orders:*")
            # Stretched far beyond the lease: the running handler's renewal sets it to one lease.
            await redis_client.pexpire(key, 600_000)
            await until(lambda: _pttl_at_most(redis_client, key, 3_000))
            repeat = asyncio.create_task(
                client.post("/v1/orders", json=order(), headers=keyed("k-long"))
            )
            backend.hold.set()
            original = await first
            repeat = await repeat
        assert backend.calls == 1
        assert repeat.headers["idempotent-replayed"] == "true"
        assert repeat.content == original.content


@pytest.mark.asyncio
class TestSequentialRepeat:
    async def test_is_replayed_with_same_status_body_and_location(self, redis_url: str) -> None:
        backend = Backend()
        async with serve(redis_url, backend) as client:
            first = await client.post("/v1/orders", json=order(), headers=keyed("k-2"))
            repeat = await client.post("/v1/orders", json=order(), headers=keyed("k-2"))
        assert backend.calls == 1
        assert repeat.status_code == first.status_code == 201
        assert repeat.content == first.content
        assert repeat.headers["location"] == first.headers["location"]
        assert repeat.headers["content-type"] == first.headers["content-type"]
        assert repeat.headers["idempotent-replayed"] == "true"

    async def test_quoted_structured_field_key_is_the_same_key(self, redis_url: str) -> None:
        backend = Backend()
        async with serve(redis_url, backend) as client:
            first = await client.post("/v1/orders", json=order(), headers=keyed("k-3"))
            repeat = await client.post("/v1/orders", json=order(), headers=keyed('"k-3"'))
        assert repeat.headers["idempotent-replayed"] == "true"
        assert repeat.content == first.content

    async def test_different_body_is_422_problem(self, redis_url: str) -> None:
        backend = Backend()
        async with serve(redis_url, backend) as client:
            await client.post("/v1/orders", json=order(quantity=2), headers=keyed("k-4"))
            reused = await client.post("/v1/orders", json=order(quantity=3), headers=keyed("k-4"))
        assert_problem(reused, 422, "idempotency-key-reused")
        assert "different request" in reused.json()["detail"]
        assert backend.calls == 1

    async def test_different_query_is_422_problem(self, redis_url: str) -> None:
        backend = Backend()
        async with serve(redis_url, backend) as client:
            await client.post("/v1/orders", json=order(), headers=keyed("k-5"))
            reused = await client.post(
                "/v1/orders", params={"dryRun": "true"}, json=order(), headers=keyed("k-5")
            )
        assert_problem(reused, 422, "idempotency-key-reused")


@pytest.mark.asyncio
class TestRelease:
    async def test_5xx_response_releases_the_key(self, redis_url: str) -> None:
        backend = Backend(failures=["unavailable"])
        async with serve(redis_url, backend) as client:
            failed = await client.post("/v1/orders", json=order(), headers=keyed("k-6"))
            retried = await client.post("/v1/orders", json=order(), headers=keyed("k-6"))
            repeat = await client.post("/v1/orders", json=order(), headers=keyed("k-6"))
        assert failed.status_code == 503
        assert retried.status_code == 201
        assert "idempotent-replayed" not in retried.headers
        assert repeat.content == retried.content
        assert backend.calls == 2

    async def test_handler_exception_releases_the_key(self, redis_url: str) -> None:
        backend = Backend(failures=["crash"])
        async with serve(redis_url, backend) as client:
            failed = await client.post("/v1/orders", json=order(), headers=keyed("k-7"))
            retried = await client.post("/v1/orders", json=order(), headers=keyed("k-7"))
        assert_problem(failed, 500, "internal-error")
        assert retried.status_code == 201
        assert backend.calls == 2

    async def test_refusal_problem_releases_the_key_for_a_corrected_request(
        self, redis_url: str
    ) -> None:
        backend = Backend(failures=["refuse"])
        async with serve(redis_url, backend) as client:
            refused = await client.post("/v1/orders", json=order("NOPE"), headers=keyed("k-8"))
            corrected = await client.post("/v1/orders", json=order("SKU-1"), headers=keyed("k-8"))
        assert_problem(refused, 404, "not-found")
        assert corrected.status_code == 201
        assert backend.calls == 2

    async def test_invalid_body_does_not_consume_the_key(self, redis_url: str) -> None:
        backend = Backend()
        async with serve(redis_url, backend) as client:
            invalid = await client.post("/v1/orders", json={"sku": 1}, headers=keyed("k-9"))
            corrected = await client.post("/v1/orders", json=order(), headers=keyed("k-9"))
        assert_problem(invalid, 422, "validation-failed")
        assert corrected.status_code == 201
        assert backend.calls == 1


class TestExpiry:
    @pytest.mark.asyncio
    async def test_outcome_expires_after_the_ttl(
        self, redis_url: str, redis_client: redis.asyncio.Redis
    ) -> None:
        backend = Backend()
        async with serve(redis_url, backend, ttl_seconds=1) as client:
            first = await client.post("/v1/orders", json=order(), headers=keyed("k-10"))
            [key] = await redis_client.keys("trivium:idempotency:orders:*")
            assert 0 < await redis_client.pttl(key) <= 1_000
            await expire_now(redis_client, key)
            again = await client.post("/v1/orders", json=order(), headers=keyed("k-10"))
        assert "idempotent-replayed" not in again.headers
        assert again.json()["orderId"] != first.json()["orderId"]
        assert backend.calls == 2


@pytest.mark.asyncio
class TestKeyHeader:
    async def test_missing_key_is_400_problem(self, redis_url: str) -> None:
        backend = Backend()
        async with serve(redis_url, backend) as client:
            response = await client.post("/v1/orders", json=order())
        assert_problem(response, 400, "idempotency-key-missing")
        assert backend.calls == 0

    @pytest.mark.parametrize(
        "key",
        [b"", b'""', b"x" * 256, "ключ".encode(), b"tab\there"],
        ids=["empty", "empty-quoted", "too-long", "non-ascii", "control-char"],
    )
    async def test_invalid_key_is_400_problem(self, redis_url: str, key: bytes) -> None:
        backend = Backend()
        async with serve(redis_url, backend) as client:
            response = await client.post(
                "/v1/orders", json=order(), headers={b"Idempotency-Key": key}
            )
        assert_problem(response, 400, "idempotency-key-invalid")
        assert backend.calls == 0

    async def test_longest_valid_key_is_accepted(self, redis_url: str) -> None:
        async with serve(redis_url, Backend()) as client:
            response = await client.post("/v1/orders", json=order(), headers=keyed("k" * 255))
        assert response.status_code == 201

    async def test_two_key_headers_are_400_problem(self, redis_url: str) -> None:
        async with serve(redis_url, Backend()) as client:
            response = await client.post(
                "/v1/orders",
                json=order(),
                headers=[("Idempotency-Key", "a"), ("Idempotency-Key", "b")],
            )
        assert_problem(response, 400, "idempotency-key-invalid")

    async def test_optional_key_route_runs_every_keyless_request(self, redis_url: str) -> None:
        backend = Backend()
        async with serve(redis_url, backend) as client:
            first = await client.post("/v1/notes")
            second = await client.post("/v1/notes")
            keyed_first = await client.post("/v1/notes", headers={"Idempotency-Key": "n-1"})
            keyed_repeat = await client.post("/v1/notes", headers={"Idempotency-Key": "n-1"})
        assert [first.json(), second.json(), keyed_first.json()] == [
            {"call": 1},
            {"call": 2},
            {"call": 3},
        ]
        assert keyed_repeat.headers["idempotent-replayed"] == "true"
        assert backend.calls == 3

    async def test_safe_method_on_the_same_router_needs_no_key(self, redis_url: str) -> None:
        async with serve(redis_url, Backend()) as client:
            response = await client.get("/v1/orders/o-1")
        assert response.json() == {"orderId": "o-1"}


@pytest.mark.asyncio
class TestAuthenticationFirst:
    async def test_an_unauthenticated_call_without_key_is_401(self, redis_url: str) -> None:
        backend = Backend()
        async with serve(redis_url, backend) as client:
            response = await client.post("/v1/guarded")
        assert response.status_code == 401
        assert backend.calls == 0

    async def test_an_authenticated_call_without_key_is_400(self, redis_url: str) -> None:
        backend = Backend()
        async with serve(redis_url, backend) as client:
            response = await client.post("/v1/guarded", headers={"x-partner-id": "P-1"})
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert backend.calls == 0

    async def test_an_unauthenticated_call_with_an_invalid_key_is_401(self, redis_url: str) -> None:
        backend = Backend()
        async with serve(redis_url, backend) as client:
            response = await client.post("/v1/guarded", headers={"Idempotency-Key": "k" * 300})
        assert response.status_code == 401
        assert backend.calls == 0


class TestScope:
    @pytest.mark.asyncio
    async def test_same_key_from_two_partners_does_not_collide(self, redis_url: str) -> None:
        backend = Backend()
        async with serve(redis_url, backend) as client:
            first = await client.post("/v1/orders", json=order("A"), headers=keyed("k", "P-1"))
            other = await client.post("/v1/orders", json=order("B"), headers=keyed("k", "P-2"))
            repeat = await client.post("/v1/orders", json=order("A"), headers=keyed("k", "P-1"))
        assert first.status_code == other.status_code == 201
        assert "idempotent-replayed" not in other.headers
        assert other.json()["sku"] == "B"
        assert repeat.content == first.content
        assert backend.calls == 2


def token_request(app: FastAPI, token: str | None) -> Request:
    headers = [(b"authorization", f"Bearer {token}".encode())] if token is not None else []
    return Request({"type": "http", "method": "POST", "headers": headers, "app": app})


def verifying_app() -> FastAPI:
    app = FastAPI()
    settings = ServiceSettings(service_name="orders", **session_keys().settings("orders"))
    _, app.state.service_token_verifier = token_pair(settings)
    return app


def consumer_of(caller: ServiceCaller, request: Request) -> str | None:
    consumer = caller.claims.get("consumer")
    if consumer == "refused":
        raise Unauthorized("Not this consumer.")
    return f"consumer:{consumer}" if isinstance(consumer, str) else None


class TestCallerScope:
    def test_names_the_verified_caller(self) -> None:
        app, scope = verifying_app(), caller_scope(consumer_of)
        token = session_keys().token("gateway", "orders", consumer="acme")
        assert scope(token_request(app, token)) == "consumer:acme"

    @pytest.mark.parametrize(
        ("audience", "claims"),
        [
            ("another-service", {"consumer": "acme"}),
            ("orders", {}),
            ("orders", {"consumer": "refused"}),
        ],
        ids=["for another audience", "no name", "name refused"],
    )
    def test_no_scope_without_a_verified_name(self, audience: str, claims: dict[str, str]) -> None:
        token = session_keys().token("gateway", audience, **claims)
        assert caller_scope(consumer_of)(token_request(verifying_app(), token)) == ""

    @pytest.mark.parametrize("token", [None, "not-a-token"], ids=["no token", "malformed"])
    def test_no_scope_without_a_valid_token(self, token: str | None) -> None:
        assert caller_scope(consumer_of)(token_request(verifying_app(), token)) == ""

    def test_service_and_consumer(self) -> None:
        app, scope = verifying_app(), caller_scope(service_and_consumer)
        acting = session_keys().token("mobile-experience", "orders", consumer="rep-app")
        alone = session_keys().token("customer-sync", "orders")
        assert scope(token_request(app, acting)) == "mobile-experience:rep-app"
        assert scope(token_request(app, alone)) == "customer-sync:"


class TestStoreUnavailable:
    @pytest.mark.asyncio
    async def test_unreachable_redis_is_503_problem(self) -> None:
        backend = Backend()
        async with serve(f"redis://127.0.0.1:{free_port()}/0", backend) as client:
            response = await client.post("/v1/orders", json=order(), headers=keyed("k-11"))
        assert_problem(response, 503, "service-unavailable")
        assert response.headers["retry-after"] == "1"
        assert backend.calls == 0


class TestOpenApi:
    @pytest.mark.asyncio
    async def test_header_and_problems_are_documented(self, redis_url: str) -> None:
        async with serve(redis_url, Backend()) as client:
            document = (await client.get("/openapi.json")).json()
        operation = document["paths"]["/v1/orders"]["post"]
        [header] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        assert header["in"] == "header"
        assert header["required"] is True
        assert {"201", "400", "404", "409", "422", "503"} <= set(operation["responses"])
        assert "Idempotency-Key" in operation["responses"]["400"]["description"]
        notes = document["paths"]["/v1/notes"]["post"]["parameters"]
        assert [p["required"] for p in notes if p["name"] == "Idempotency-Key"] == [False]
        assert "parameters" not in document["paths"]["/v1/orders/{order_id}"]["get"] or all(
            p["name"] != "Idempotency-Key"
            for p in document["paths"]["/v1/orders/{order_id}"]["get"]["parameters"]
        )


@pytest.mark.asyncio
class TestClaim:
    async def test_crashed_owner_lease_expires(self, redis_client: redis.asyncio.Redis) -> None:
        store = IdempotencyStore(redis_client, service="s", lease_seconds=0.2, wait_seconds=0)
        crashed = await store.claim("idem:1", "fp")
        assert 0 < await redis_client.pttl("idem:1") <= 200
        await expire_now(redis_client, "idem:1")
        successor = await store.claim("idem:1", "fp")
        assert isinstance(crashed, Claim)
        assert isinstance(successor, Claim)
        assert successor.record != crashed.record

    async def test_stale_owner_cannot_complete_or_release(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        store = IdempotencyStore(redis_client, service="s", lease_seconds=0.1, wait_seconds=0)
        stale = await store.claim("idem:2", "fp")
        await expire_now(redis_client, "idem:2")
        owner = await store.claim("idem:2", "fp")
        assert isinstance(stale, Claim)
        assert isinstance(owner, Claim)
        outcome = StoredResponse(201, (("content-type", "application/json"),), b'{"a":1}')
        assert await store.complete(stale, outcome) is False
        assert await store.release(stale) is False
        assert await store.extend(stale) is False
        assert await redis_client.get("idem:2") == owner.record
        assert await store.complete(owner, outcome) is True
        assert await store.claim("idem:2", "fp") == outcome

    async def test_a_repeat_is_told_when_the_claim_runs_out_at_the_latest(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        store = IdempotencyStore(redis_client, service="s", lease_seconds=30, wait_seconds=0)
        crashed = await store.claim("idem:4", "fp")
        assert isinstance(crashed, Claim)
        with pytest.raises(IdempotencyRequestInProgress) as fresh:
            await store.claim("idem:4", "fp")
        await redis_client.pexpire("idem:4", 4_500)
        with pytest.raises(IdempotencyRequestInProgress) as later:
            await store.claim("idem:4", "fp")
        # The lease left in whole seconds, rounded up: the claim is surely gone by then.
        assert fresh.value.headers == {"Retry-After": "30"}
        assert later.value.headers["Retry-After"] in {"4", "5"}

    async def test_a_record_without_a_lease_is_answered_with_the_default_wait(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        store = IdempotencyStore(redis_client, service="s", wait_seconds=0, retry_after_seconds=2)
        claim = await store.claim("idem:5", "fp")
        assert isinstance(claim, Claim)
        await redis_client.persist("idem:5")
        with pytest.raises(IdempotencyRequestInProgress) as refused:
            await store.claim("idem:5", "fp")
        assert refused.value.headers == {"Retry-After": "2"}

    @pytest.mark.asyncio
    async def test_the_lease_is_the_configured_one(
        self, redis_client: redis.asyncio.Redis, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TRIVIUM_IDEMPOTENCY_LEASE_SECONDS", "0.5")
        store = IdempotencyStore.from_settings(redis_client, ServiceSettings(service_name="s"))
        claim = await store.claim("idem:3", "fp")
        assert isinstance(claim, Claim)
        assert 0 < await redis_client.pttl("idem:3") <= 500
