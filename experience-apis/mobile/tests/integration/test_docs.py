"""The mobile API's own OpenAPI document: only the mobile routes, the gateway as server, the rep's
JWT as scheme; reached like every mobile route, with a rep's token."""

from __future__ import annotations

import httpx
import pytest

from trivium_testing.openapi import gateway_operations
from trivium_testing.services import RunningService

pytestmark = pytest.mark.asyncio


class TestMobileDocument:
    async def test_only_mobile_routes_each_secured_by_the_reps_jwt(
        self, anna: httpx.AsyncClient
    ) -> None:
        response = await anna.get("/mobile/v1/openapi.json")
        assert response.status_code == 200, response.text
        document = response.json()
        jwt = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        operations = gateway_operations(document, prefix="/mobile/v1", scheme="repJwt", kind=jwt)
        assert ("post", "/mobile/v1/quotes/{quote_id}/order") in operations
        assert ("get", "/mobile/v1/accounts") in operations
        assert ("get", "/mobile/v1/openapi.json") not in operations

    async def test_without_a_gateway_signed_rep_it_is_401(
        self, mobile_service: RunningService
    ) -> None:
        async with httpx.AsyncClient(base_url=mobile_service.url) as client:
            response = await client.get("/mobile/v1/openapi.json")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
