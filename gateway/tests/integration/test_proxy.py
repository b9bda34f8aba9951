"""The proxy: routing and path handling, forwarding headers, streaming both ways, upstream
failures; in both plugin modes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from trivium.redis_discovery import free_port

pytestmark = pytest.mark.asyncio


async def chunks(count: int, size: int = 32 * 1024) -> AsyncIterator[bytes]:
    for index in range(count):
        yield bytes([65 + index % 26]) * size


def mobile_path_config(**route: Any) -> Any:
    """A kong.yml change to the mobile route (and its service's path)."""

    def tune(document: dict[str, Any]) -> None:
        for service in document["services"]:
            if service["name"] == "mobile-experience":
                service["url"] = service["url"] + route.pop("service_path", "")
                service["routes"][0].update(route)

    return tune


@contextlib.asynccontextmanager
async def cut_off_upstream(length: int, sent: bytes) -> AsyncIterator[str]:
    """An upstream on 127.0.0.1 that answers 200 with `Content-Length: length`, sends `sent` of
    the body and closes the connection; its URL."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (length, sent))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


def without_size_limit(document: dict[str, Any]) -> None:
    """A kong.yml change: no request-size-limiting on the mobile API (nor the global one)."""
    mobile = next(s for s in document["services"] if s["name"] == "mobile-experience")
    for holder in (document, mobile):
        holder["plugins"] = [
            plugin for plugin in holder["plugins"] if plugin["name"] != "request-size-limiting"
        ]


class TestRouting:
    async def test_no_route(self, proxy):
        response = await proxy.get("/nowhere")

        assert response.status_code == 404
        assert response.json()["message"] == "no Route matched with those values"

    async def test_public_paths_reach_the_upstream_unchanged(self, proxy, api_keys):
        response = await proxy.get(
            "/partner/v1/catalog/caf%C3%A9%2Fx?search=a%20b&limit=2",
            headers={"apikey": api_keys["gold"]},
        )

        seen = response.json()
        assert seen["rawPath"] == "/partner/v1/catalog/caf%C3%A9%2Fx"
        assert seen["query"] == "search=a%20b&limit=2"

    async def test_strip_path_and_service_path(
        self, upstream, write_kong_config, start_gateway, rep_token
    ):
        tune = mobile_path_config(strip_path=True, service_path="/internal/base")
        gateway = await start_gateway(write_kong_config(upstream.url, tune=tune))

        async with httpx.AsyncClient(base_url=gateway.url) as client:
            response = await client.get(
                "/mobile/v1/accounts/001", headers={"Authorization": f"Bearer {rep_token()}"}
            )

        seen = response.json()
        assert seen["path"] == "/internal/base/accounts/001"
        assert seen["headers"]["x-forwarded-prefix"] == ["/mobile/v1"]
        assert seen["headers"]["x-forwarded-path"] == ["/mobile/v1/accounts/001"]

    async def test_method_outside_the_route(self, proxy, api_keys):
        response = await proxy.request(
            "TRACE", "/partner/v1/account", headers={"apikey": api_keys["gold"]}
        )

        assert response.status_code == 404


class TestForwarding:
    async def test_forwarding_headers(self, gateway, proxy, api_keys):
        headers = {"apikey": api_keys["gold"], "X-Forwarded-For": "203.0.113.7"}
        response = await proxy.get("/partner/v1/account", headers=headers)

        forwarded = response.json()["headers"]
        port = gateway.url.rsplit(":", 1)[1]
        assert forwarded["x-forwarded-for"] == ["203.0.113.7, 127.0.0.1"]
        assert forwarded["x-real-ip"] == ["127.0.0.1"]
        assert forwarded["x-forwarded-proto"] == ["http"]
        assert forwarded["x-forwarded-host"] == ["127.0.0.1"]
        assert forwarded["x-forwarded-port"] == [port]
        assert forwarded["x-forwarded-path"] == ["/partner/v1/account"]
        assert "x-forwarded-prefix" not in forwarded
        assert forwarded["host"] != [f"127.0.0.1:{port}"]

    async def test_answer_headers(self, gateway, proxy, api_keys):
        response = await proxy.get("/partner/v1/account", headers={"apikey": api_keys["gold"]})

        assert response.headers["via"] == "1.1 trivium-gateway"
        assert int(response.headers["x-kong-upstream-latency"]) >= 0
        assert int(response.headers["x-kong-proxy-latency"]) >= 0
        # The gateway's correlation id, not the one the upstream answered with.
        assert response.headers["x-correlation-id"] != "upstream-own-id"
        assert response.headers.get_list("server") != ["upstream"]

    async def test_upstream_status_passes_through(self, proxy, api_keys):
        response = await proxy.get(
            "/partner/v1/orders/x?status=404", headers={"apikey": api_keys["gold"]}
        )

        assert response.status_code == 404
        assert response.json()["path"] == "/partner/v1/orders/x"


class TestStreaming:
    async def test_large_answer_is_streamed(self, gateway, api_keys):
        size = 8 * 1024 * 1024 + 123
        received = 0
        async with (
            httpx.AsyncClient(base_url=gateway.url) as client,
            client.stream(
                "GET", f"/partner/v1/export?bytes={size}", headers={"apikey": api_keys["gold"]}
            ) as response,
        ):
            assert "content-length" not in response.headers
            async for chunk in response.aiter_raw():
                received += len(chunk)

        assert received == size

    async def test_chunked_request_body_is_streamed(
        self, upstream, write_kong_config, start_gateway, rep_token
    ):
        # request-size-limiting reads a body of unknown length to measure it, as Kong does;
        # without it, a chunked body goes upstream chunk by chunk.
        gateway = await start_gateway(write_kong_config(upstream.url, tune=without_size_limit))

        async with httpx.AsyncClient(base_url=gateway.url) as client:
            response = await client.post(
                "/mobile/v1/customers",
                headers={"Authorization": f"Bearer {rep_token()}"},
                content=chunks(24),
            )

        assert response.status_code == 200
        assert response.json()["bodyBytes"] == 24 * 32 * 1024
        assert response.json()["headers"]["transfer-encoding"] == ["chunked"]

    async def test_chunked_body_is_measured_whole(self, proxy, rep_token):
        response = await proxy.post(
            "/mobile/v1/customers",
            headers={"Authorization": f"Bearer {rep_token()}"},
            content=chunks(24),
        )

        assert response.json()["bodyBytes"] == 24 * 32 * 1024
        assert response.json()["headers"]["content-length"] == [str(24 * 32 * 1024)]

    async def test_body_over_the_buffer_is_streamed(self, proxy, rep_token):
        body = b"q" * (200 * 1024)
        response = await proxy.post(
            "/mobile/v1/customers",
            headers={"Authorization": f"Bearer {rep_token()}"},
            content=body,
        )

        assert response.json()["bodyBytes"] == len(body)


class TestUpstreamFailure:
    async def test_upstream_down(self, write_kong_config, start_gateway, api_keys):
        gateway = await start_gateway(write_kong_config(f"http://127.0.0.1:{free_port()}"))

        async with httpx.AsyncClient(base_url=gateway.url) as client:
            response = await client.get("/partner/v1/account", headers={"apikey": api_keys["gold"]})

        assert response.status_code == 502
        assert response.json()["message"] == (
            "An invalid response was received from the upstream server"
        )

    async def test_body_cut_off_before_its_length(self, write_kong_config, start_gateway, api_keys):
        async with cut_off_upstream(100, b"partial") as url:
            gateway = await start_gateway(write_kong_config(url))
            async with httpx.AsyncClient(base_url=gateway.url) as client:
                response = await client.get(
                    "/partner/v1/account", headers={"apikey": api_keys["gold"]}
                )

        assert response.status_code == 502
        assert response.json()["message"] == (
            "An invalid response was received from the upstream server"
        )
