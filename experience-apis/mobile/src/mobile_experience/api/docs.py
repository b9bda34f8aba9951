"""The mobile API's OpenAPI document as a rep's app sees it through the gateway: only the mobile
routes, the gateway as server, the rep's JWT as the scheme. Like every mobile route it is reached
with a rep's token, so app developers read it with the token they test with."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from trivium.openapi import gateway_document

MOBILE_PREFIX = "/mobile/v1"
OPENAPI_PATH = f"{MOBILE_PREFIX}/openapi.json"
REP_JWT_SCHEME = "repJwt"

router = APIRouter(include_in_schema=False)


@router.api_route(OPENAPI_PATH, methods=["GET", "HEAD"])
async def mobile_openapi(request: Request) -> JSONResponse:
    document = gateway_document(
        request.app.openapi(),
        prefix=MOBILE_PREFIX,
        scheme_name=REP_JWT_SCHEME,
        scheme={
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The sales rep's JWT (`Authorization: Bearer`), checked by the "
            "gateway: `iss` names the rep's credential, `exp` and `nbf` are required; every "
            "call sees only what that rep owns.",
        },
    )
    return JSONResponse(document, headers={"Cache-Control": "no-cache"})
