"""trivium.openapi.gateway_document: a document as clients see it through the gateway."""

from __future__ import annotations

from trivium.openapi import gateway_document

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/partner/v1/orders": {
            "post": {"security": [{"serviceToken": []}], "responses": {}},
            "parameters": [{"name": "x", "in": "query"}],
        },
        "/partner/v1/catalog": {"get": {"responses": {}}},
        "/internal/replay": {"post": {"security": [{"serviceToken": []}]}},
    },
    "components": {
        "schemas": {"Order": {"type": "object"}},
        "securitySchemes": {"serviceToken": {"type": "http", "scheme": "bearer"}},
    },
}
SCHEME = {"type": "apiKey", "in": "header", "name": "apikey"}


def test_only_routes_under_the_prefix_secured_by_the_clients_scheme() -> None:
    document = gateway_document(
        DOCUMENT, prefix="/partner/v1", scheme_name="apikey", scheme=SCHEME, server_url=""
    )
    assert set(document["paths"]) == {"/partner/v1/orders", "/partner/v1/catalog"}
    assert document["paths"]["/partner/v1/orders"]["post"]["security"] == [{"apikey": []}]
    # A route that needs no caller stays without one; path-level parameters are kept as they are.
    assert "security" not in document["paths"]["/partner/v1/catalog"]["get"]
    assert document["paths"]["/partner/v1/orders"]["parameters"] == [{"name": "x", "in": "query"}]
    assert document["components"]["securitySchemes"] == {"apikey": SCHEME}
    assert document["components"]["schemas"] == {"Order": {"type": "object"}}
    assert document["servers"] == [{"url": "/", "description": "The Trivium gateway"}]


def test_the_services_own_document_is_left_as_it_was() -> None:
    gateway_document(
        DOCUMENT, prefix="/partner/v1", scheme_name="apikey", scheme=SCHEME, server_url="https://x"
    )
    assert DOCUMENT["components"]["securitySchemes"] == {  # type: ignore[index]
        "serviceToken": {"type": "http", "scheme": "bearer"}
    }
    assert "/internal/replay" in DOCUMENT["paths"]  # type: ignore[operator]
