"""Errors the handlers turn into problem+json: here, a Redis that cannot be reached."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
import redis.exceptions
from fastapi import FastAPI

from trivium.app import create_service_app
from trivium.settings import ServiceSettings
from trivium_testing.apps import app_client

pytestmark = pytest.mark.asyncio

PROBLEM = "application/problem+json"
REFUSED = "Error 111 connecting to 127.0.0.1:6379."
# What a route may meet when Redis is away or busy with something else: kind → (error, message).
REDIS_FAILURES: dict[str, tuple[type[redis.exceptions.RedisError], str]] = {
    "refused": (redis.exceptions.ConnectionError, REFUSED),
    "timeout": (redis.exceptions.TimeoutError, "Timeout reading from 127.0.0.1:6379"),
    "loading": (redis.exceptions.BusyLoadingError, "Redis is loading the dataset in memory"),
    "cluster-down": (redis.exceptions.ClusterDownError, "The cluster is down (127.0.0.1:6379)"),
    "master-down": (redis.exceptions.MasterDownError, "Link with MASTER is down (127.0.0.1:6379)"),
    "try-again": (redis.exceptions.TryAgainError, "Multiple keys request during rehashing"),
    "slot-not-covered": (
        redis.exceptions.SlotNotCoveredError,
        "Slot 42 not covered (127.0.0.1:6379)",
    ),
}


def build_app() -> FastAPI:
    app = create_service_app(
        ServiceSettings(service_name="stores", log_format="text"), title="S", guard_requests=False
    )

    @app.get("/down/{kind}")
    async def down(kind: str) -> None:
        if kind == "no-cluster-node":
            refused = redis.exceptions.ConnectionError(REFUSED)
            raise redis.exceptions.RedisClusterException(
                f"Redis Cluster cannot be connected: {refused}"
            ) from refused
        if kind == "cross-slot":
            raise redis.exceptions.CrossSlotTransactionError("keys of 127.0.0.1:6379 in two slots")
        error, message = REDIS_FAILURES[kind]
        raise error(message)

    return app


@pytest_asyncio.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(build_app(), raise_app_exceptions=False) as client:
        yield client


class TestStoreUnreachable:
    @pytest.mark.parametrize("kind", [*REDIS_FAILURES, "no-cluster-node"])
    async def test_answers_503_with_retry_after_and_no_internals(
        self, client: httpx.AsyncClient, kind: str
    ) -> None:
        response = await client.get(f"/down/{kind}")
        assert response.status_code == 503
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.headers["retry-after"] == "1"
        assert response.json()["type"].endswith("/service-unavailable")
        assert "6379" not in response.text

    async def test_keys_of_two_slots_in_one_transaction_are_a_bug(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/down/cross-slot")
        assert response.status_code == 500
        assert "6379" not in response.text
