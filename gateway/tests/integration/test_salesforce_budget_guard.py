"""salesforce-budget-guard through the gateway: partner traffic shed by plan as the published
Salesforce API budget falls; in both plugin modes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from trivium.redis_discovery import free_port
from trivium_testing.stack import SYSTEM_APIS_DB, redis_db, service_client

from ..kong_yml import plugins_named

pytestmark = pytest.mark.asyncio

GUARD_METRIC = "trivium_gateway_budget_guard_decisions_total"
PLANS = ("gold", "silver", "bronze")


def guard_config(**changes: Any) -> Callable[[dict[str, Any]], None]:
    """A kong.yml change to the budget guard's configuration (readings not cached by default),
    with quotas roomy enough for the requests of a test."""

    def tune(document: dict[str, Any]) -> None:
        for guard in plugins_named(document, "salesforce-budget-guard"):
            guard["config"].update({"cache_ttl_seconds": 0, **changes})
        for quota in plugins_named(document, "partner-quota"):
            for limits in quota["config"]["plans"].values():
                limits.update(second=100, minute=1000)

    return tune


async def statuses(gateway: Any, api_keys: dict[str, str]) -> dict[str, int]:
    """The status each plan's partner gets for one read."""
    async with httpx.AsyncClient(base_url=gateway.url) as client:
        return {
            plan: (
                await client.get("/partner/v1/account", headers={"apikey": api_keys[plan]})
            ).status_code
            for plan in PLANS
        }


class TestBudgetGuard:
    async def test_sheds_bronze_then_silver_then_gold(
        self, upstream, write_kong_config, start_gateway, api_keys, publish_budget
    ):
        gateway = await start_gateway(write_kong_config(upstream.url, tune=guard_config()))
        seen = {}
        for remaining in (15_000, 7_501, 7_499, 3_749, 751, 749, 0):
            await publish_budget(used=15_000 - remaining, maximum=15_000)
            seen[remaining] = await statuses(gateway, api_keys)

        assert seen == {
            15_000: {"gold": 200, "silver": 200, "bronze": 200},
            7_501: {"gold": 200, "silver": 200, "bronze": 200},
            7_499: {"gold": 200, "silver": 200, "bronze": 503},
            3_749: {"gold": 200, "silver": 503, "bronze": 503},
            751: {"gold": 200, "silver": 503, "bronze": 503},
            749: {"gold": 503, "silver": 503, "bronze": 503},
            0: {"gold": 503, "silver": 503, "bronze": 503},
        }

    async def test_shed_answer(
        self, upstream, write_kong_config, start_gateway, api_keys, publish_budget
    ):
        gateway = await start_gateway(write_kong_config(upstream.url, tune=guard_config()))
        await publish_budget(used=14_000, maximum=15_000)

        async with httpx.AsyncClient(base_url=gateway.url) as client:
            response = await client.get(
                "/partner/v1/account", headers={"apikey": api_keys["bronze"]}
            )

        assert response.status_code == 503
        assert response.headers["retry-after"] == "600"
        assert response.headers["content-type"] == "application/problem+json"
        # Counted against the quota all the same, and saying so.
        assert response.headers["ratelimit-remaining"] == "99"
        problem = response.json()
        assert problem["type"].endswith("/partner-traffic-shed")
        assert problem["plan"] == "bronze"
        assert problem["instance"] == "/partner/v1/account"
        assert "15000" not in response.text

    async def test_stale_reading_lets_traffic_pass(
        self, upstream, write_kong_config, start_gateway, api_keys, publish_budget, read_metric
    ):
        gateway = await start_gateway(write_kong_config(upstream.url, tune=guard_config()))
        await publish_budget(used=15_000, maximum=15_000, age_seconds=3600)
        labels = {"plan": "bronze", "outcome": "unknown_budget"}
        before = await read_metric(gateway, GUARD_METRIC, **labels)

        assert await statuses(gateway, api_keys) == dict.fromkeys(PLANS, 200)
        assert await read_metric(gateway, GUARD_METRIC, **labels) == before + 1

    async def test_redis_down_fails_open_and_counts_it(
        self, upstream, write_kong_config, start_gateway, api_keys, read_metric
    ):
        dead = f"redis://127.0.0.1:{free_port()}/0"
        config = write_kong_config(upstream.url, tune=guard_config(redis_url=dead))
        gateway = await start_gateway(config, override_plugin_redis=False)
        labels = {"plan": "gold", "outcome": "fail_open"}
        before = await read_metric(gateway, GUARD_METRIC, **labels)

        assert await statuses(gateway, api_keys) == dict.fromkeys(PLANS, 200)
        assert await read_metric(gateway, GUARD_METRIC, **labels) == before + 1

    async def test_fail_closed_sheds_when_the_budget_is_unknown(
        self, upstream, write_kong_config, start_gateway, api_keys
    ):
        config = write_kong_config(upstream.url, tune=guard_config(fail_open=False))
        gateway = await start_gateway(config)

        assert await statuses(gateway, api_keys) == dict.fromkeys(PLANS, 503)


class TestBudgetPublishedBySalesforceSystemApi:
    async def test_guard_follows_the_orgs_budget(
        self, system_stack, upstream, write_kong_config, start_gateway, api_keys
    ):
        budget_redis = redis_db(system_stack.redis_url, SYSTEM_APIS_DB)
        config = write_kong_config(upstream.url, tune=guard_config(redis_url=budget_redis))
        gateway = await start_gateway(config, override_plugin_redis=False)
        seen = {}
        async with (
            system_stack.sf_admin() as admin,
            service_client(system_stack.sf_system.url, audience="salesforce-system") as crm,
        ):
            original = (await admin.get("/limits")).json()
            try:
                for remaining in (601, 401, 201, 41):
                    await admin.put("/limits", json={"max": 1000})
                    await admin.put("/limits", json={"remaining": remaining})
                    # The System API's own call costs one request: it publishes remaining - 1.
                    assert (await crm.get("/limits")).status_code == 200
                    seen[remaining - 1] = await statuses(gateway, api_keys)
            finally:
                await admin.put("/limits", json={"max": original["max"]})
                await admin.put("/limits", json={"remaining": original["remaining"]})

        assert seen == {
            600: {"gold": 200, "silver": 200, "bronze": 200},
            400: {"gold": 200, "silver": 200, "bronze": 503},
            200: {"gold": 200, "silver": 503, "bronze": 503},
            40: {"gold": 503, "silver": 503, "bronze": 503},
        }
