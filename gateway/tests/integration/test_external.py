"""The two ways of running the Python plugins decide alike: one scripted session, both modes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import redis

from ..kong_yml import plugins_named

pytestmark = pytest.mark.asyncio


async def script(url: str, api_keys: dict[str, str], rep: str) -> list[tuple[object, ...]]:
    """What a mixed run of requests gets back: statuses, quota headers, identity."""
    calls = [
        *[("GET", "/partner/v1/account", {"apikey": api_keys["bronze"]})] * 7,
        ("POST", "/partner/v1/orders", {"apikey": api_keys["silver"]}),
        ("GET", "/partner/v1/orders", {"apikey": api_keys["silver"]}),
        ("GET", "/partner/v1/account", {"apikey": "wrong"}),
        ("GET", "/mobile/v1/accounts", {"Authorization": f"Bearer {rep}"}),
        ("GET", "/partner/index.html", {"Authorization": "Bearer forged"}),
    ]
    seen = []
    async with httpx.AsyncClient(base_url=url) as client:
        for method, path, headers in calls:
            response = await client.request(method, path, headers=headers)
            body = response.json()
            identity = body.get("identity") if isinstance(body, dict) else None
            seen.append(
                (
                    response.status_code,
                    response.headers.get("ratelimit-remaining"),
                    "retry-after" in response.headers,
                    (identity or {}).get("consumer"),
                )
            )
    return seen


def minute_quotas(document: dict[str, Any]) -> None:
    """A kong.yml change: the partner quotas per minute instead of per second (same numbers),
    so which requests are refused depends on how many came, not on how fast they came."""
    for plugin in plugins_named(document, "partner-quota"):
        plans = plugin["config"]["plans"]
        plugin["config"]["plans"] = {
            name: {"minute": limits["second"]} for name, limits in plans.items()
        }


class TestPluginModes:
    async def test_decisions_agree(
        self, upstream, write_kong_config, gateway_processes, redis_url, api_keys, rep_token
    ):
        gateways = gateway_processes(write_kong_config(upstream.url, tune=minute_quotas))
        results = {}
        for mode, gateway in gateways.items():
            counts = redis.Redis.from_url(redis_url)
            counts.flushdb()
            counts.close()
            results[mode] = await script(gateway.url, api_keys, rep_token())

        assert results["plugin-server"] == results["in-process"]
        statuses = [entry[0] for entry in results["in-process"]]
        assert statuses == [200] * 5 + [429, 429, 200, 200, 401, 200, 200]
