"""The two ways of running the Python plugins decide alike: one scripted session, both modes."""

from __future__ import annotations

import httpx
import pytest

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
                    response.headers.get("retry-after"),
                    (identity or {}).get("consumer"),
                )
            )
    return seen


class TestPluginModes:
    async def test_decisions_agree(self, stock_gateways, clear_stock_redis, api_keys, rep_token):
        results = {}
        for mode, gateway in stock_gateways.items():
            clear_stock_redis()
            results[mode] = await script(gateway.url, api_keys, rep_token())

        assert results["plugin-server"] == results["in-process"]
        statuses = [entry[0] for entry in results["in-process"]]
        assert statuses == [200] * 5 + [429, 429, 200, 200, 401, 200, 200]
