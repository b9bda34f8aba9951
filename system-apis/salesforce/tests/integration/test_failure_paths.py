"""Failure paths of the Salesforce System API, driven by the emulator's chaos controls."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import redis.asyncio

from trivium.redis_discovery import RedisEndpoint

pytestmark = [pytest.mark.asyncio, pytest.mark.chaos]

BUDGET_KEY = "trivium:salesforce:api-budget"


@pytest.fixture(scope="module")
def system_env() -> dict[str, str]:
    return {
        "TRIVIUM_HTTP_MAX_RETRIES": "6",
        "TRIVIUM_BREAKER_RESET_SECONDS": "0.5",
        "SF_SYSTEM_SESSION_TTL_SECONDS": "3600",
    }


async def partner(api: httpx.AsyncClient) -> dict[str, str]:
    response = await api.get("/accounts", params={"accountNumber": "P-1003"})
    account: dict[str, str] = response.json()["items"][0]
    return account


class TestRowLocks:
    async def test_reads_succeed_through_row_lock_errors(
        self, api: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        account = await partner(api)
        await admin.put("/chaos", json={"errorRate": 0.3, "errorCodes": ["UNABLE_TO_LOCK_ROW"]})
        statuses = [(await api.get(f"/accounts/{account['id']}")).status_code for _ in range(10)]
        assert statuses == [200] * 10


class TestExpiredSession:
    async def test_expired_token_is_renewed_without_the_caller_noticing(
        self, api: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        account = await partner(api)
        expired = await admin.post("/sessions/expire")
        assert expired.json()["expiredSessions"] >= 1
        response = await api.get(f"/accounts/{account['id']}")
        assert response.status_code == 200


class TestBudget:
    async def test_exhausted_budget_is_503_with_retry_after_and_published(
        self,
        api: httpx.AsyncClient,
        admin: httpx.AsyncClient,
        redis_endpoint: RedisEndpoint,
    ) -> None:
        account = await partner(api)
        limits = (await admin.get("/limits")).json()
        await admin.put("/limits", json={"remaining": 0})
        try:
            response = await api.get(f"/accounts/{account['id']}")
            assert response.status_code == 503
            assert response.json()["type"].endswith("/crm-api-budget-exhausted")
            assert int(response.headers["retry-after"]) > 0
            client = redis.asyncio.Redis.from_url(redis_endpoint.url)
            assert await client.hget(BUDGET_KEY, "remaining") == b"0"
            await client.aclose()
        finally:
            await admin.put("/limits", json={"remaining": limits["remaining"]})
        assert (await api.get(f"/accounts/{account['id']}")).status_code == 200

    async def test_optional_work_is_refused_below_the_floor_while_reads_go_on(
        self, api: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        limits = (await admin.get("/limits")).json()
        await admin.put("/limits", json={"remaining": 100})
        try:
            await api.get("/accounts", params={"accountNumber": "P-1003"})
            refused = await api.put("/products", json={"products": [{"sku": "X-1", "name": "X"}]})
            assert refused.status_code == 503
            assert refused.json()["type"].endswith("/crm-api-budget-reserved")
            assert (await api.get("/accounts", params={"limit": "1"})).status_code == 200
        finally:
            await admin.put("/limits", json={"remaining": limits["remaining"]})


class TestOutage:
    async def test_outage_is_503_then_recovers(
        self, api: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        account = await partner(api)
        await admin.put("/chaos", json={"outage": True})
        response = await api.get(f"/accounts/{account['id']}")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert "retry-after" in response.headers
        await admin.delete("/chaos")
        # The breaker lets a trial call through once its reset time has passed.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while (await api.get(f"/accounts/{account['id']}")).status_code != 200:
            assert loop.time() < deadline, "not recovered"
            await asyncio.sleep(0.05)
