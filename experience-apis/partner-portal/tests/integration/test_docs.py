"""The partner API's own OpenAPI document and docs page, fetched through the local gateway
running kong.yml: public (no key), only the partner routes, the partner's API key as scheme."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

from trivium_testing.openapi import gateway_operations
from trivium_testing.services import RunningService

pytestmark = pytest.mark.asyncio

INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


async def fetch(gateway: RunningService, path: str) -> httpx.Response:
    """`GET path` through the gateway, without a key."""
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        return await client.get(path)


class TestThroughGateway:
    async def test_the_document_shows_only_partner_routes_with_the_api_key(
        self, gateway: RunningService
    ) -> None:
        response = await fetch(gateway, "/partner/v1/openapi.json")
        assert response.status_code == 200, response.text
        document = response.json()
        key = {"type": "apiKey", "in": "header", "name": "apikey"}
        operations = gateway_operations(document, prefix="/partner/v1", scheme="apikey", kind=key)
        assert ("post", "/partner/v1/orders") in operations

    async def test_the_docs_page_reads_the_document_under_its_policy(
        self, gateway: RunningService
    ) -> None:
        page = await fetch(gateway, "/partner/v1/docs")
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert "url: '/partner/v1/openapi.json'" in page.text
        policy = page.headers["content-security-policy"]
        for script in INLINE_SCRIPT.findall(page.text):
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy
        assert "frame-ancestors 'none'" in policy

    @pytest.mark.parametrize("path", ["/partner/v1/docs/extra", "/partner/v1/openapi.jsonx"])
    async def test_only_the_two_paths_are_public(self, gateway: RunningService, path: str) -> None:
        response = await fetch(gateway, path)
        assert response.status_code == 401
