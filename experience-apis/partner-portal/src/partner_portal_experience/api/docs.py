"""The partner API's own OpenAPI document and its docs page, as partners see them through the
gateway: only the partner routes, the gateway as server, the partner's API key as the scheme.
Public like the web page (served without a key)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from partner_portal_experience.api.deps import SettingsDep
from partner_portal_experience.api.page import page_headers
from trivium.openapi import gateway_document

PARTNER_PREFIX = "/partner/v1"
OPENAPI_PATH = f"{PARTNER_PREFIX}/openapi.json"
DOCS_PATH = f"{PARTNER_PREFIX}/docs"
DOCS_PATHS = frozenset({OPENAPI_PATH, DOCS_PATH})
API_KEY_SCHEME = "apikey"
# Swagger UI's files come from its CDN (the page's policy allows that origin and the page's one
# inline script by its hash, nothing else).
SWAGGER_UI_ORIGIN = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


def partner_document(document: Mapping[str, Any], *, server_url: str) -> dict[str, Any]:
    """The app's `document` reduced to the partner routes as the gateway exposes them, with
    Kong's key-auth header `apikey` as the security scheme of every route that needs a caller."""
    return gateway_document(
        document,
        prefix=PARTNER_PREFIX,
        scheme_name=API_KEY_SCHEME,
        scheme={
            "type": "apiKey",
            "in": "header",
            "name": "apikey",
            "description": "The partner's API key, issued by Trivium; every call is scoped to "
            "that partner.",
        },
        server_url=server_url,
    )


def docs_headers(page: bytes, api_url: str) -> dict[str, str]:
    """The page's headers, its policy allowing Swagger UI's origin and the page's inline
    scripts (by hash)."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in (match.encode() for match in _INLINE_SCRIPT.findall(page.decode()))
    )
    return page_headers(
        api_url,
        scripts=f"{SWAGGER_UI_ORIGIN} {hashes}",
        # Swagger UI sets style attributes on its elements.
        styles=f"{SWAGGER_UI_ORIGIN} 'unsafe-inline'",
    )


@router.api_route(OPENAPI_PATH, methods=["GET", "HEAD"])
async def partner_openapi(request: Request, settings: SettingsDep) -> JSONResponse:
    document = partner_document(
        request.app.openapi(), server_url=settings.public_api_url.rstrip("/")
    )
    return JSONResponse(document, headers={"Cache-Control": "no-cache"})


@router.api_route(DOCS_PATH, methods=["GET", "HEAD"])
async def partner_docs(settings: SettingsDep) -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url=OPENAPI_PATH,
        title="Trivium partner API",
        swagger_favicon_url="data:,",
        # No badge from Swagger's online validator: it would send the document's URL away.
        swagger_ui_parameters={"validatorUrl": None},
    )
    page.headers.update(docs_headers(bytes(page.body), settings.public_api_url))
    return page
