"""partner-quota through the gateway: plan limits, headers, exact counts across instances, Redis
down; in both plugin modes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import pytest_asyncio

from trivium.redis_discovery import free_port

from ..kong_yml import plugins_named

pytestmark = pytest.mark.asyncio

QUOTA_METRIC = "trivium_gateway_quota_decisions_total"


def minute_plans(bronze: int) -> Any:
    """A kong.yml change: per-minute limits only, bronze allowing `bronze` requests."""

    def tune(document: dict[str, Any]) -> None:
        for plugin in plugins_named(document, "partner-quota"):
            plugin["config"]["plans"] = {
                "gold": {"minute": 1000},
                "silver": {"minute": 500},
                "bronze": {"minute": bronze},
            }

    return tune


def quota_redis(url: str) -> Any:
    """A kong.yml change: partner-quota counts in the Redis at `url`."""

    def tune(document: dict[str, Any]) -> None:
        for plugin in plugins_named(document, "partner-quota"):
            plugin["config"]["redis_url"] = url

    return tune


@pytest_asyncio.fixture
async def bronze_five_a_minute(upstream, write_kong_config, start_gateway):
    """A gateway whose plans count per minute only, bronze allowing five requests."""
    return await start_gateway(write_kong_config(upstream.url, tune=minute_plans(bronze=5)))


class TestPartnerQuota:
    async def test_headers_on_every_answer(self, proxy, api_keys):
        first = await proxy.get("/partner/v1/account", headers={"apikey": api_keys["silver"]})
        second = await proxy.get("/partner/v1/catalog", headers={"apikey": api_keys["silver"]})

        assert first.status_code == second.status_code == 200
        assert first.headers["ratelimit-limit"] == "15"
        assert first.headers["ratelimit-remaining"] == "14"
        assert first.headers["ratelimit-reset"] == "1"
        assert first.headers["ratelimit-policy"] == "15;w=1, 300;w=60"
        assert "retry-after" not in first.headers
        # How much is left of a one-second window depends on when the second request came;
        # the counting is shown on minute windows below.
        assert second.headers["ratelimit-limit"] == "15"
        assert second.headers["ratelimit-policy"] == "15;w=1, 300;w=60"

    async def test_bronze_over_its_limit(self, bronze_five_a_minute, api_keys):
        gateway = bronze_five_a_minute
        headers = {"apikey": api_keys["bronze"]}
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            answers = [await client.get("/partner/v1/account", headers=headers) for _ in range(6)]

        assert [a.status_code for a in answers] == [200] * 5 + [429]
        assert [a.headers["ratelimit-remaining"] for a in answers] == ["4", "3", "2", "1", "0", "0"]
        refused = answers[-1]
        assert refused.headers["ratelimit-limit"] == "5"
        # Until the oldest of the five leaves the minute window.
        assert refused.headers["retry-after"] == refused.headers["ratelimit-reset"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert problem["status"] == 429
        assert problem["type"].endswith("/too-many-requests")
        assert problem["plan"] == "bronze"
        assert problem["correlationId"] == refused.headers["x-correlation-id"]

    async def test_plans_are_counted_apart(self, proxy, api_keys):
        for _ in range(6):
            await proxy.get("/partner/v1/account", headers={"apikey": api_keys["bronze"]})
        gold = await proxy.get("/partner/v1/account", headers={"apikey": api_keys["gold"]})

        assert gold.status_code == 200
        assert gold.headers["ratelimit-remaining"] == "49"

    async def test_placing_an_order_costs_more(self, bronze_five_a_minute, api_keys):
        gateway = bronze_five_a_minute
        headers = {"apikey": api_keys["bronze"]}
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            order = await client.post("/partner/v1/orders", headers=headers, json={"lines": []})
            read = await client.get("/partner/v1/orders", headers=headers)

        assert order.status_code == 200
        assert order.headers["ratelimit-remaining"] == "0"
        assert read.status_code == 429

    async def test_counted_exactly_across_two_gateways(
        self, upstream, write_kong_config, start_gateway, api_keys
    ):
        config = write_kong_config(upstream.url, tune=minute_plans(bronze=20))
        first, second = await start_gateway(config), await start_gateway(config)
        headers = {"apikey": api_keys["bronze"]}

        async with httpx.AsyncClient() as client:
            answers = await asyncio.gather(
                *(
                    client.get(f"{(first, second)[i % 2].url}/partner/v1/account", headers=headers)
                    for i in range(32)
                )
            )

        statuses = [answer.status_code for answer in answers]
        assert statuses.count(200) == 20
        assert statuses.count(429) == 12
        allowed = sorted(int(a.headers["ratelimit-remaining"]) for a in answers if a.is_success)
        assert allowed == list(range(20))

    async def test_redis_down_fails_open_and_counts_it(
        self, upstream, write_kong_config, start_gateway, api_keys, read_metric
    ):
        config = write_kong_config(
            upstream.url, tune=quota_redis(f"redis://127.0.0.1:{free_port()}/0")
        )
        gateway = await start_gateway(config, override_plugin_redis=False)
        labels = {"plan": "bronze", "outcome": "fail_open"}
        before = await read_metric(gateway, QUOTA_METRIC, **labels)

        async with httpx.AsyncClient(base_url=gateway.url) as client:
            answers = [
                await client.get("/partner/v1/account", headers={"apikey": api_keys["bronze"]})
                for _ in range(7)
            ]

        assert [answer.status_code for answer in answers] == [200] * 7
        assert "ratelimit-limit" not in answers[0].headers
        assert await read_metric(gateway, QUOTA_METRIC, **labels) == before + 7

    async def test_decisions_are_on_the_metrics(self, gateway, proxy, api_keys, read_metric):
        labels = {"plan": "bronze", "outcome": "limited"}
        before = await read_metric(gateway, QUOTA_METRIC, **labels)

        for _ in range(7):
            await proxy.get("/partner/v1/account", headers={"apikey": api_keys["bronze"]})

        assert await read_metric(gateway, QUOTA_METRIC, **labels) == before + 2
