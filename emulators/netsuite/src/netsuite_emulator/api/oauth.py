"""The OAuth 2.0 token endpoint (client credentials with a signed JWT assertion)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse

from netsuite_emulator.api.deps import emulator_of
from netsuite_emulator.domain.oauth2 import ASSERTION_TYPE, OAuth2Refused, verify_assertion
from netsuite_emulator.emulator import REST_PREFIX

router = APIRouter(prefix=f"{REST_PREFIX}/auth/oauth2/v1", tags=["oauth"])


@router.post("/token")
async def token(
    request: Request,
    grant_type: Annotated[str | None, Form()] = None,
    client_assertion_type: Annotated[str | None, Form()] = None,
    client_assertion: Annotated[str | None, Form(max_length=16_000)] = None,
) -> JSONResponse:
    """Exchange a client assertion for a bearer token (`expires_in` seconds)."""
    emulator = emulator_of(request)
    try:
        if grant_type != "client_credentials":
            raise OAuth2Refused("unsupported_grant_type", "grant_type must be client_credentials.")
        if client_assertion_type != ASSERTION_TYPE or not client_assertion:
            raise OAuth2Refused(
                "invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}."
            )
        verify_assertion(
            client_assertion,
            mapping=emulator.oauth2,
            audience=str(request.url.replace(query="")),
            now=emulator.oauth1.clock(),
        )
    except OAuth2Refused as refusal:
        return JSONResponse(
            {"error": refusal.error, "error_description": refusal.description},
            status_code=refusal.status,
        )
    issued = emulator.bearer_tokens.issue()
    return JSONResponse(
        {
            "access_token": issued.access_token,
            "expires_in": str(issued.expires_in),
            "token_type": "Bearer",
        },
        headers={"Cache-Control": "no-store"},
    )
