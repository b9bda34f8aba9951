"""request-size-limiting, the portal page's rate-limiting, cors and correlation-id through the
gateway, in both plugin modes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.asyncio

PORTAL = "https://partners.trivium.example"
PAGE_LIMIT_BYTES = 16 * 1024


async def status_of_raw_request(gateway_url: str, head: str, body: bytes = b"") -> int:
    """Send a request's head (and the start of a body) and read the status the gateway answers
    while the rest of the body is still owed."""
    host, port = gateway_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head.encode() + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    return int(status_line.split()[1])


def page_quota(*, hour: int) -> Any:
    """A kong.yml change: the portal page allows `hour` requests per hour and address (an hour:
    a fixed window that will not turn over during the test)."""

    def tune(document: dict[str, Any]) -> None:
        for service in document["services"]:
            for route in service.get("routes", []):
                for plugin in route.get("plugins") or []:
                    if route["name"] == "partner-portal-page" and plugin["name"] == "rate-limiting":
                        plugin["config"] = {
                            **plugin["config"],
                            "second": None,
                            "minute": None,
                            "hour": hour,
                        }

    return tune


def from_address(address: str) -> httpx.AsyncHTTPTransport:
    """A client transport whose connections come from another loopback address."""
    return httpx.AsyncHTTPTransport(local_address=address)


async def chunks(size: int, chunk: int = 16 * 1024) -> AsyncIterator[bytes]:
    """A request body sent without Content-Length (chunked)."""
    left = size
    while left > 0:
        yield b"y" * min(chunk, left)
        left -= chunk


class TestRequestSizeLimiting:
    async def test_body_over_the_limit(self, proxy, api_keys):
        response = await proxy.post(
            "/partner/v1/orders",
            headers={"apikey": api_keys["gold"]},
            content=b"z" * (256 * 1024 + 1),
        )

        assert response.status_code == 413
        assert response.json()["message"] == "Request size limit exceeded"

    async def test_body_at_the_limit(self, proxy, api_keys):
        response = await proxy.post(
            "/partner/v1/orders",
            headers={"apikey": api_keys["gold"]},
            content=b"z" * (256 * 1024),
        )

        assert response.status_code == 200
        assert response.json()["bodyBytes"] == 256 * 1024

    async def test_chunked_body_over_the_limit(self, proxy, api_keys):
        response = await proxy.post(
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


class TestRequestSizeLimitsEverywhere:
    async def test_page_route_refuses_a_large_body(self, proxy):
        response = await proxy.request("GET", "/partner/", content=b"x" * (PAGE_LIMIT_BYTES + 1))

        assert response.status_code == 413
        assert response.json()["message"] == "Request size limit exceeded"
        assert response.json()["request_id"] == response.headers["x-correlation-id"]

    async def test_page_route_refuses_a_chunked_body(self, proxy):
        response = await proxy.request(
            "GET", "/partner/", content=chunks(PAGE_LIMIT_BYTES + 1, chunk=4096)
        )

        assert response.status_code == 413

    async def test_page_route_without_a_body(self, proxy):
        response = await proxy.get("/partner/")

        assert response.status_code == 200

    async def test_announced_length_is_refused_before_the_body(self, gateway):
        # 10 GiB announced, none sent: the answer cannot wait for the body.
        head = f"GET /partner/ HTTP/1.1\r\nHost: gateway\r\nContent-Length: {10 * 1024**3}\r\n\r\n"

        assert await status_of_raw_request(gateway.url, head) == 413

    async def test_endless_chunked_body_is_refused_at_the_limit(self, gateway):
        # Just over the page's limit in chunks, and the body never ends: only counting the
        # streamed bytes lets the gateway answer.
        chunk = b"x" * 4096
        body = b"".join(b"1000\r\n" + chunk + b"\r\n" for _ in range(5))
        head = "GET /partner/ HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: chunked\r\n\r\n"

        assert await status_of_raw_request(gateway.url, head, body) == 413

    async def test_global_limit_on_a_route_without_its_own(
        self, upstream, write_kong_config, start_gateway, rep_token
    ):
        def without_mobile_limit(document: dict[str, Any]) -> None:
            for service in document["services"]:
                if service["name"] == "mobile-experience":
                    service["plugins"] = [
                        p for p in service["plugins"] if p["name"] != "request-size-limiting"
                    ]

        gateway = await start_gateway(write_kong_config(upstream.url, tune=without_mobile_limit))
        headers = {"Authorization": f"Bearer {rep_token()}"}
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            over = await client.post(
                "/mobile/v1/visits", headers=headers, content=b"v" * (1024 * 1024 + 1)
            )
            at = await client.post("/mobile/v1/visits", headers=headers, content=b"v" * 1024 * 1024)

        assert over.status_code == 413
        assert at.status_code == 200


class TestPortalPageQuota:
    async def test_one_address_over_its_quota(self, upstream, write_kong_config, start_gateway):
        gateway = await start_gateway(write_kong_config(upstream.url, tune=page_quota(hour=3)))
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            answers = [await client.get("/partner/") for _ in range(4)]

        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert refused.json()["message"] == "API rate limit exceeded"
        assert refused.headers["x-ratelimit-limit-hour"] == "3"
        assert 1 <= int(refused.headers["retry-after"]) <= 3600

    async def test_other_addresses_keep_their_own(self, upstream, write_kong_config, start_gateway):
        gateway = await start_gateway(write_kong_config(upstream.url, tune=page_quota(hour=2)))
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            for _ in range(3):
                await client.get("/partner/")
        async with httpx.AsyncClient(
            base_url=gateway.url, transport=from_address("127.0.0.2")
        ) as other:
            response = await other.get("/partner/")

        assert response.status_code == 200
        assert response.headers["x-ratelimit-remaining-hour"] == "1"

    async def test_counted_across_gateway_nodes(self, upstream, write_kong_config, start_gateway):
        config = write_kong_config(upstream.url, tune=page_quota(hour=2))
        nodes = [await start_gateway(config), await start_gateway(config)]
        answers = []
        for node in [*nodes, *nodes]:
            async with httpx.AsyncClient(base_url=node.url) as client:
                answers.append((await client.get("/partner/")).status_code)

        assert answers == [200, 200, 429, 429]

    async def test_stock_quota_headers(self, proxy):
        response = await proxy.get("/partner/")

        assert response.headers["x-ratelimit-limit-second"] == "20"
        assert response.headers["x-ratelimit-limit-minute"] == "300"


class TestCors:
    async def test_preflight(self, proxy):
        headers = {
            "Origin": PORTAL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "apikey, content-type",
        }
        response = await proxy.options("/partner/v1/orders", headers=headers)

        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == PORTAL
        assert response.headers["access-control-allow-methods"] == "GET,POST,OPTIONS"
        assert "apikey" in response.headers["access-control-allow-headers"]
        assert response.headers["access-control-max-age"] == "3600"

    async def test_answer_to_the_portal(self, proxy, api_keys):
        headers = {"Origin": PORTAL, "apikey": api_keys["gold"]}
        response = await proxy.get("/partner/v1/account", headers=headers)

        assert response.headers["access-control-allow-origin"] == PORTAL
        exposed = response.headers["access-control-expose-headers"].split(",")
        assert {"RateLimit-Remaining", "Retry-After", "X-Correlation-ID"} <= set(exposed)
        assert "Origin" in response.headers.get_list("vary")

    async def test_other_origin(self, proxy, api_keys):
        headers = {"Origin": "https://evil.example", "apikey": api_keys["gold"]}
        response = await proxy.get("/partner/v1/account", headers=headers)

        assert "access-control-allow-origin" not in response.headers


class TestCorrelationId:
    async def test_clients_id_is_kept(self, proxy, api_keys):
        headers = {"apikey": api_keys["gold"], "X-Correlation-ID": "client-chosen-id-42"}
        response = await proxy.get("/partner/v1/account", headers=headers)

        assert response.headers["x-correlation-id"] == "client-chosen-id-42"
        assert response.json()["headers"]["x-correlation-id"] == ["client-chosen-id-42"]

    async def test_id_is_made_and_echoed(self, proxy, api_keys):
        response = await proxy.get("/partner/v1/account", headers={"apikey": api_keys["gold"]})

        made = response.headers["x-correlation-id"]
        assert len(made) >= 32
        assert response.json()["headers"]["x-correlation-id"] == [made]
        assert "traceparent" in response.json()["headers"]

    async def test_refusals_carry_the_id(self, proxy):
        response = await proxy.get(
            "/partner/v1/account", headers={"X-Correlation-ID": "refused-request-7"}
        )

        assert response.headers["x-correlation-id"] == "refused-request-7"
        assert response.json()["request_id"] == "refused-request-7"
