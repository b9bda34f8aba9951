"""An Experience API's OpenAPI document as its clients see it through the gateway.

A service's own `/openapi.json` describes its internal face: every route, the service token the
gateway signs. Its clients call it through the gateway with their own credential (a partner's API
key, a sales rep's JWT), so the document they get keeps only the routes the gateway exposes under
their prefix, names the gateway as server and declares the credential the gateway checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def gateway_document(
    document: Mapping[str, Any],
    *,
    prefix: str,
    scheme_name: str,
    scheme: Mapping[str, Any],
    server_url: str = "",
) -> dict[str, Any]:
    """`document` reduced to the routes under `prefix`, with the gateway (`server_url`, or the
    document's own origin) as server and `scheme` as the security scheme of every route that
    needs a caller."""
    paths = {
        path: {method: _secured_by(operation, scheme_name) for method, operation in item.items()}
        for path, item in document["paths"].items()
        if path.startswith(f"{prefix}/")
    }
    components = dict(document.get("components", {}))
    components["securitySchemes"] = {scheme_name: dict(scheme)}
    return {
        **document,
        "paths": paths,
        "servers": [{"url": server_url or "/", "description": "The Trivium gateway"}],
        "components": components,
    }


def _secured_by(operation: Any, scheme_name: str) -> Any:
    if not isinstance(operation, dict) or "security" not in operation:
        return operation
    return {**operation, "security": [{scheme_name: []}]}
