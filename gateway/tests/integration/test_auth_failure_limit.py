"""auth-failure-limit through the gateway: failed API keys and tokens throttled per client
address, on every gateway node; in both plugin modes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
import pytest_asyncio

from ..kong_yml import plugins_named

pytestmark = pytest.mark.asyncio

KEY_PREFIX = "trivium:auth-failures"
MAX_FAILURES = 3


def few_failures(document: dict[str, Any]) -> None:
    """A kong.yml change: three failures within a minute are allowed per address."""
    for plugin in plugins_named(document, "auth-failure-limit"):
        plugin["config"].update(max_failures=MAX_FAILURES, window_seconds=60)


async def failure_added(redis_client: Any, address: str, before: set[bytes]) -> None:
    """Returns once a failure of the address that was not among `before` is in Redis (the log
    phase counts it after the answer has gone out)."""
    deadline = time.monotonic() + 10
    while set(await redis_client.zrange(f"{KEY_PREFIX}:{address}", 0, -1)) <= before:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the failure of {address} was never counted")
        await asyncio.sleep(0.01)


async def failures_counted(redis_client: Any, address: str, count: int) -> None:
    """Returns once `count` failures of the address are in Redis (the log phase counts them
    after the answer has gone out)."""
    deadline = time.monotonic() + 10
    while await redis_client.zcard(f"{KEY_PREFIX}:{address}") < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{count} failures of {address} never counted")
        await asyncio.sleep(0.01)


@pytest_asyncio.fixture
async def strict_gateway(upstream, write_kong_config, start_gateway):
    """A gateway allowing three failed authentications per address and minute."""
    return await start_gateway(write_kong_config(upstream.url, tune=few_failures))


class TestAuthFailureLimit:
    async def test_guessed_keys_lock_the_address_out(self, strict_gateway, api_keys, redis_client):
        async with httpx.AsyncClient(base_url=strict_gateway.url) as client:
            guesses = [
                await client.get("/partner/v1/account", headers={"apikey": f"guess-{n}"})
                for n in range(MAX_FAILURES)
            ]
            await failures_counted(redis_client, "127.0.0.1", MAX_FAILURES)
            # Even the right key is not looked at any more.
            refused = await client.get("/partner/v1/account", headers={"apikey": api_keys["gold"]})

        assert [g.status_code for g in guesses] == [401] * MAX_FAILURES
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert problem["type"].endswith("/too-many-failed-authentications")
        assert problem["status"] == 429
        assert problem["correlationId"] == refused.headers["x-correlation-id"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert problem["retryAfterSeconds"] == int(refused.headers["retry-after"])

    async def test_failed_tokens_count_too(self, strict_gateway, rep_token, redis_client):
        forged = rep_token(secret="an-attacker-secret-of-sufficient-length-0001")
        async with httpx.AsyncClient(base_url=strict_gateway.url) as client:
            for _ in range(MAX_FAILURES):
                await client.get(
                    "/mobile/v1/accounts", headers={"Authorization": f"Bearer {forged}"}
                )
            await failures_counted(redis_client, "127.0.0.1", MAX_FAILURES)
            refused = await client.get(
                "/mobile/v1/accounts", headers={"Authorization": f"Bearer {rep_token()}"}
            )

        assert refused.status_code == 429
        assert refused.json()["type"].endswith("/too-many-failed-authentications")

    async def test_other_addresses_are_not_locked_out(self, strict_gateway, api_keys, redis_client):
        async with httpx.AsyncClient(base_url=strict_gateway.url) as client:
            for n in range(MAX_FAILURES):
                await client.get("/partner/v1/account", headers={"apikey": f"guess-{n}"})
        await failures_counted(redis_client, "127.0.0.1", MAX_FAILURES)
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
        async with httpx.AsyncClient(base_url=strict_gateway.url, transport=transport) as other:
            response = await other.get("/partner/v1/account", headers={"apikey": api_keys["gold"]})

        assert response.status_code == 200

    async def test_successes_are_not_counted(self, strict_gateway, api_keys, redis_client):
        async with httpx.AsyncClient(base_url=strict_gateway.url) as client:
            for _ in range(2 * MAX_FAILURES):
                ok = await client.get("/partner/v1/account", headers={"apikey": api_keys["gold"]})
                assert ok.status_code == 200
            await client.get("/partner/v1/account", headers={"apikey": "guess"})
            await failures_counted(redis_client, "127.0.0.1", 1)
            still = await client.get("/partner/v1/account", headers={"apikey": api_keys["gold"]})

        assert await redis_client.zcard(f"{KEY_PREFIX}:127.0.0.1") == 1
        assert still.status_code == 200

    async def test_the_upstreams_401_is_not_counted(self, strict_gateway, api_keys, redis_client):
        headers = {"apikey": api_keys["gold"]}
        async with httpx.AsyncClient(base_url=strict_gateway.url) as client:
            for _ in range(MAX_FAILURES):
                upstream_said = await client.get("/partner/v1/account?status=401", headers=headers)
                assert upstream_said.status_code == 401
            await client.get("/partner/v1/account", headers={"apikey": "guess"})
            await failures_counted(redis_client, "127.0.0.1", 1)
            response = await client.get("/partner/v1/account", headers=headers)

        assert await redis_client.zcard(f"{KEY_PREFIX}:127.0.0.1") == 1
        assert response.status_code == 200

    async def test_locked_out_on_every_node_after_at_most_one_more_guess(
        self, strict_gateway, upstream, write_kong_config, start_gateway, api_keys, redis_client
    ):
        other_node = await start_gateway(write_kong_config(upstream.url, tune=few_failures))
        async with httpx.AsyncClient(base_url=strict_gateway.url) as client:
            for n in range(MAX_FAILURES):
                await client.get("/partner/v1/account", headers={"apikey": f"guess-{n}"})
        await failures_counted(redis_client, "127.0.0.1", MAX_FAILURES)
        async with httpx.AsyncClient(base_url=other_node.url) as client:
            # The other node asks Redis only about addresses it has seen fail: one more guess
            # reaches its credential check there, is counted, and locks the address out there too.
            counted = set(await redis_client.zrange(f"{KEY_PREFIX}:127.0.0.1", 0, -1))
            guess = await client.get("/partner/v1/account", headers={"apikey": "guess-other"})
            await failure_added(redis_client, "127.0.0.1", counted)
            response = await client.get("/partner/v1/account", headers={"apikey": api_keys["gold"]})

        assert guess.status_code == 401
        assert response.status_code == 429
