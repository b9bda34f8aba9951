"""Refusals before any work: no valid service token is a 401 and an oversized body a 413, both
before the body is read; the idempotency store never sees an unauthenticated request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import redis.asyncio
from fastapi import APIRouter, FastAPI, Request

from trivium.app import create_service_app
from trivium.idempotency import IdempotencyStore, idempotent_route
from trivium.settings import ServiceSettings
from trivium_testing.apps import app_client

pytestmark = pytest.mark.asyncio

PROBLEM = "application/problem+json"
LIMIT = 1_000


class BodyProbe:
    """What the app received: how many times a route ran, and whether a body was read."""

    def __init__(self) -> None:
        self.calls = 0
        self.bytes_read = 0


def build_app(probe: BodyProbe, *, redis_url: str) -> FastAPI:
    settings = ServiceSettings(
        service_name="ledger", log_format="text", max_body_bytes=LIMIT, redis_url=redis_url
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = redis.asyncio.Redis.from_url(redis_url)
        app.state.idempotency = IdempotencyStore.from_settings(client, settings)
        yield
        await client.aclose()

    app = create_service_app(
        settings, title="Ledger", lifespan=lifespan, body_limits={"/bulk": 10 * LIMIT}
    )
    router = APIRouter(route_class=idempotent_route())

    @router.post("/entries", status_code=201)
    async def add_entry(request: Request) -> dict[str, int]:
        probe.calls += 1
        probe.bytes_read += len(await request.body())
        return {"bytes": probe.bytes_read}

    @app.post("/bulk")
    async def add_many(request: Request) -> dict[str, int]:
        probe.calls += 1
        return {"bytes": len(await request.body())}

    app.include_router(router)
    return app


@asynccontextmanager
async def serving(probe: BodyProbe, redis_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    app = build_app(probe, redis_url=redis_url)
    token = app.state.service_token_issuer.token_for("ledger")
    async with (
        app.router.lifespan_context(app),
        app_client(app) as client,
    ):
        yield client, token


def chunks(size: int, *, parts: int = 4) -> AsyncIterator[bytes]:
    """A body sent without Content-Length (chunked), `size` bytes in `parts` pieces."""

    async def pieces() -> AsyncIterator[bytes]:
        for _ in range(parts):
            yield b"x" * (size // parts)

    return pieces()


class TestAuthenticationFirst:
    async def test_no_token_is_401_before_the_body_is_read_or_a_key_is_claimed(
        self, redis_url: str, redis_client: redis.asyncio.Redis
    ) -> None:
        probe = BodyProbe()
        async with serving(probe, redis_url) as (client, _):
            response = await client.post(
                "/entries", content=b"{}", headers={"Idempotency-Key": "k-1"}
            )
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert (probe.calls, probe.bytes_read) == (0, 0)
        assert await redis_client.dbsize() == 0

    async def test_an_invalid_token_is_401_and_a_stored_answer_is_not_replayed_to_it(
        self, redis_url: str
    ) -> None:
        probe = BodyProbe()
        async with serving(probe, redis_url) as (client, token):
            first = await client.post(
                "/entries",
                content=b"{}",
                headers={"Idempotency-Key": "k-2", "Authorization": f"Bearer {token}"},
            )
            forged = await client.post(
                "/entries",
                content=b"{}",
                headers={"Idempotency-Key": "k-2", "Authorization": f"Bearer {token}x"},
            )
        assert first.status_code == 201
        assert forged.status_code == 401
        assert "idempotent-replayed" not in forged.headers
        assert probe.calls == 1

    async def test_health_and_the_api_description_need_no_token(self, redis_url: str) -> None:
        async with serving(BodyProbe(), redis_url) as (client, _):
            for path in ("/healthz", "/openapi.json", "/metrics"):
                assert (await client.get(path)).status_code == 200, path


class TestBodyLimit:
    async def test_a_declared_length_over_the_limit_is_413_without_reading(
        self, redis_url: str
    ) -> None:
        probe = BodyProbe()
        async with serving(probe, redis_url) as (client, token):
            response = await client.post(
                "/entries",
                content=b"x" * (LIMIT + 1),
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-3"},
            )
        assert response.status_code == 413
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["maxBytes"] == LIMIT
        assert probe.calls == 0

    async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(self, redis_url: str) -> None:
        probe = BodyProbe()
        async with serving(probe, redis_url) as (client, token):
            response = await client.post(
                "/entries",
                content=chunks(4 * LIMIT),
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-4"},
            )
        assert response.status_code == 413
        assert probe.calls == 0

    async def test_a_body_within_the_limit_passes(self, redis_url: str) -> None:
        probe = BodyProbe()
        async with serving(probe, redis_url) as (client, token):
            response = await client.post(
                "/entries",
                content=chunks(LIMIT),
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-5"},
            )
        assert response.status_code == 201
        assert response.json() == {"bytes": LIMIT}

    async def test_a_route_that_takes_bulk_data_states_its_own_limit(self, redis_url: str) -> None:
        probe = BodyProbe()
        async with serving(probe, redis_url) as (client, token):
            bulk = await client.post(
                "/bulk", content=b"x" * (5 * LIMIT), headers={"Authorization": f"Bearer {token}"}
            )
            too_much = await client.post(
                "/bulk",
                content=b"x" * (10 * LIMIT + 1),
                headers={"Authorization": f"Bearer {token}"},
            )
        assert bulk.status_code == 200
        assert too_much.status_code == 413
