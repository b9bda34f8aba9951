"""The mobile API's own OpenAPI document: only the mobile routes, the gateway as server, the rep's
JWT as scheme; reached like every mobile route, with a rep's token."""

from __future__ import annotations

import httpx
import pytest

from trivium_testing.services import RunningService

pytestmark = pytest.mark.asyncio


class TestMobileDocument:
    async def test_only_mobile_routes_each_secured_by_the_reps_jwt(
        self, anna: httpx.AsyncClient
    ) -> None:
        response = await anna.get("/mobile/v1/openapi.json")
        assert response.status_code == 200, response.text
        document = response.json()
        operations = {(method, path) for path, item in document["paths"].items() for method in item}
        assert ("post", "/mobile/v1/quotes/{quote_id}/order") in operations
        assert ("get", "/mobile/v1/accounts") in operations
        assert all(path.startswith("/mobile/v1/") for _, path in operations)
        assert ("get", "/mobile/v1/openapi.json") not in operations
        assert document["servers"] == [{"url": "/", "description": "The Trivium gateway"}]
        schemes = document["components"]["securitySchemes"]
        assert list(schemes) == ["repJwt"]
        assert {key: schemes["repJwt"][key] for key in ("type", "scheme", "bearerFormat")} == {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
        }
        assert all(
            operation["security"] == [{"repJwt": []}]
            for item in document["paths"].values()
            for operation in item.values()
        )

    async def test_without_a_gateway_signed_rep_it_is_401(
        self, mobile_service: RunningService
    ) -> None:
        async with httpx.AsyncClient(base_url=mobile_service.url) as client:
            response = await client.get("/mobile/v1/openapi.json")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
