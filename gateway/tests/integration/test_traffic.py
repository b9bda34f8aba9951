"""request-size-limiting, cors and correlation-id through the gateway, in both plugin modes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

pytestmark = pytest.mark.asyncio

PORTAL = "https://partners.trivium.example"


async def chunks(size: int, chunk: int = 16 * 1024) -> AsyncIterator[bytes]:
    """A request body sent without Content-Length (chunked)."""
    left = size
    while left > 0:
        yield b"y" * min(chunk, left)
        left -= chunk


class TestRequestSizeLimiting:
    async def test_body_over_the_limit(self, gateway, api_keys):
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            response = await client.post(
                "/partner/v1/orders",
                headers={"apikey": api_keys["gold"]},
                content=b"z" * (256 * 1024 + 1),
            )

        assert response.status_code == 413
        assert response.json()["message"] == "Request size limit exceeded"

    async def test_body_at_the_limit(self, gateway, api_keys):
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            response = await client.post(
                "/partner/v1/orders",
                headers={"apikey": api_keys["gold"]},
                content=b"z" * (256 * 1024),
            )

        assert response.status_code == 200
        assert response.json()["bodyBytes"] == 256 * 1024

    async def test_chunked_body_over_the_limit(self, gateway, api_keys):
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            response = await client.post(
                "/partner/v1/orders",
                headers={"apikey": api_keys["gold"]},
                content=chunks(300 * 1024),
            )

        assert response.status_code == 413

    async def test_expect_continue_over_the_limit(self, gateway, api_keys):
        # The client announces a large body and waits for a go-ahead it never gets.
        host, port = gateway.url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            (
                "POST /partner/v1/orders HTTP/1.1\r\n"
                f"Host: {host}\r\napikey: {api_keys['gold']}\r\n"
                f"Expect: 100-continue\r\nContent-Length: {512 * 1024}\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
        writer.close()

        assert status_line.split()[1] == b"417"


class TestCors:
    async def test_preflight(self, gateway):
        headers = {
            "Origin": PORTAL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "apikey, content-type",
        }
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            response = await client.options("/partner/v1/orders", headers=headers)

        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == PORTAL
        assert response.headers["access-control-allow-methods"] == "GET,POST,OPTIONS"
        assert "apikey" in response.headers["access-control-allow-headers"]
        assert response.headers["access-control-max-age"] == "3600"

    async def test_answer_to_the_portal(self, gateway, api_keys):
        headers = {"Origin": PORTAL, "apikey": api_keys["gold"]}
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            response = await client.get("/partner/v1/account", headers=headers)

        assert response.headers["access-control-allow-origin"] == PORTAL
        exposed = response.headers["access-control-expose-headers"].split(",")
        assert {"RateLimit-Remaining", "Retry-After", "X-Correlation-ID"} <= set(exposed)
        assert "Origin" in response.headers.get_list("vary")

    async def test_other_origin(self, gateway, api_keys):
        headers = {"Origin": "https://evil.example", "apikey": api_keys["gold"]}
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            response = await client.get("/partner/v1/account", headers=headers)

        assert "access-control-allow-origin" not in response.headers


class TestCorrelationId:
    async def test_clients_id_is_kept(self, gateway, api_keys):
        headers = {"apikey": api_keys["gold"], "X-Correlation-ID": "client-chosen-id-42"}
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            response = await client.get("/partner/v1/account", headers=headers)

        assert response.headers["x-correlation-id"] == "client-chosen-id-42"
        assert response.json()["headers"]["x-correlation-id"] == ["client-chosen-id-42"]

    async def test_id_is_made_and_echoed(self, gateway, api_keys):
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            response = await client.get("/partner/v1/account", headers={"apikey": api_keys["gold"]})

        made = response.headers["x-correlation-id"]
        assert len(made) >= 32
        assert response.json()["headers"]["x-correlation-id"] == [made]
        assert "traceparent" in response.json()["headers"]

    async def test_refusals_carry_the_id(self, gateway):
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            response = await client.get(
                "/partner/v1/account", headers={"X-Correlation-ID": "refused-request-7"}
            )

        assert response.headers["x-correlation-id"] == "refused-request-7"
        assert response.json()["request_id"] == "refused-request-7"
