"""SAP's OAuth 2.0 token endpoint for the client-credentials grant (communication arrangement)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from s4hana_emulator.domain.security import basic_credentials, same_secret

if TYPE_CHECKING:
    from s4hana_emulator.emulator import Emulator

TOKEN_PATH = "/sap/bc/sec/oauth2/token"

router = APIRouter(include_in_schema=False)


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"cache-control": "no-store"}
    if status == 401:
        headers["www-authenticate"] = 'Basic realm="OAuth 2.0 Token Endpoint"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


@router.post(TOKEN_PATH)
async def issue_token(request: Request) -> JSONResponse:
    """Exchange the client's id and secret (Basic header or form fields) for a bearer token."""
    emulator: Emulator = request.app.state.emulator
    form = await request.form()
    grant_type = str(form.get("grant_type") or "")
    credentials = basic_credentials(request.headers.get("authorization"))
    if credentials is None and form.get("client_id") is not None:
        credentials = (str(form.get("client_id")), str(form.get("client_secret") or ""))
    settings = emulator.settings
    if credentials is None or not (
        credentials[0] == settings.oauth_client_id
        and same_secret(credentials[1], settings.oauth_client_secret.get_secret_value())
    ):
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    if grant_type != "client_credentials":
        return _oauth_error(
            400, "unsupported_grant_type", f"Grant type '{grant_type}' is not supported"
        )
    issued = emulator.tokens.issue(settings.username)
    return JSONResponse(
        {
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "scope": str(form.get("scope") or "API_BUSINESS_PARTNER_0001 API_SALES_ORDER_SRV_0001"),
        },
        headers={"cache-control": "no-store"},
    )
