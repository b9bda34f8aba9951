"""The gateway's own endpoints: /healthz, /readyz, /metrics on the status listener, never
/metrics on the proxy port; in both plugin modes."""

from __future__ import annotations

import httpx
import pytest

from trivium.redis_discovery import free_port

pytestmark = pytest.mark.asyncio


class TestHealthz:
    async def test_alive(self, gateway):
        async with httpx.AsyncClient(base_url=gateway.status_url) as client:
            response = await client.get("/healthz")

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


class TestReadyz:
    async def test_ready(self, gateway):
        async with httpx.AsyncClient(base_url=gateway.status_url) as client:
            response = await client.get("/readyz")

        assert response.status_code == 200
        assert response.json()["checks"] == {"redis": "up"}

    async def test_also_on_the_proxy_port(self, proxy):
        # Where the service harnesses wait for a started gateway.
        response = await proxy.get("/readyz")

        assert response.status_code == 200

    async def test_redis_down(self, upstream, write_kong_config, start_gateway):
        gateway = await start_gateway(
            write_kong_config(upstream.url),
            redis_url=f"redis://127.0.0.1:{free_port()}/0",
            override_plugin_redis=False,
        )

        async with httpx.AsyncClient(base_url=gateway.status_url) as client:
            response = await client.get("/readyz")

        assert response.status_code == 503
        assert response.json()["checks"]["redis"].startswith("down")


class TestMetrics:
    async def test_requests_and_plugin_work_are_counted(
        self, gateway, proxy, api_keys, read_metric
    ):
        before = await read_metric(
            gateway, "trivium_gateway_pdk_calls_total", plugin="partner-quota"
        )

        await proxy.get("/partner/v1/account", headers={"apikey": api_keys["gold"]})
        async with httpx.AsyncClient(base_url=gateway.status_url) as client:
            text = (await client.get("/metrics")).text

        after = await read_metric(
            gateway, "trivium_gateway_pdk_calls_total", plugin="partner-quota"
        )
        assert after - before == 2
        assert 'route="/partner/v1{path:path}"' in text
        assert "trivium_gateway_plugin_event_duration_seconds_bucket" in text
        assert 'trivium_gateway_quota_decisions_total{outcome="allowed",plan="gold"}' in text
        assert 'trivium_backend_calls_total{backend="partner-portal-experience"' in text

    async def test_not_on_the_proxy_port(self, proxy):
        # The probe that found /metrics public: the proxy answers it like any unknown path.
        response = await proxy.get("/metrics")

        assert response.status_code == 404
        assert response.json()["message"] == "no Route matched with those values"
        assert "trivium_" not in response.text


class TestStatusListener:
    async def test_port_taken_leaves_the_proxy_serving(
        self, upstream, write_kong_config, start_gateway, api_keys
    ):
        first = await start_gateway(write_kong_config(upstream.url))
        taken = int(first.status_url.rsplit(":", 1)[1])
        second = await start_gateway(write_kong_config(upstream.url), status_port=taken)

        async with httpx.AsyncClient(base_url=second.url) as client:
            response = await client.get("/partner/v1/account", headers={"apikey": api_keys["gold"]})

        assert response.status_code == 200
