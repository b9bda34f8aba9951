"""The stand-in experience API `gateway_overhead.py` puts behind the local gateway: it verifies
the caller's service token (as every experience API does) and answers a small JSON document."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from trivium.keys import load_trusted_keys
from trivium.problems import Problem
from trivium.service_auth import ServiceTokenVerifier, TrustedKeySet

AUDIENCES = {"partner": "partner-portal-experience", "mobile": "mobile-experience"}
ACCOUNT = {
    "accountNumber": "P-1001",
    "name": "Nordwind Industrietechnik GmbH",
    "creditLimit": {"amount": "250000.00", "currency": "EUR"},
    "creditAvailable": {"amount": "187450.00", "currency": "EUR"},
}


def create_upstream() -> Starlette:
    """Answers /readyz and any /partner/... or /mobile/... path for a valid service token."""
    trusted = TrustedKeySet(load_trusted_keys(Path(os.environ["TRIVIUM_TRUSTED_KEYS"])))
    verifiers = {
        channel: ServiceTokenVerifier(audience=audience, keys=trusted)
        for channel, audience in AUDIENCES.items()
    }

    async def ready(request: Request) -> Response:
        return JSONResponse({"status": "ready"})

    async def answer(request: Request) -> Response:
        channel = request.path_params["channel"]
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            caller = verifiers[channel].verify(token if scheme.lower() == "bearer" else "")
        except Problem:
            return JSONResponse({"title": "Authentication is required"}, status_code=401)
        return JSONResponse({**ACCOUNT, "consumer": caller.claims.get("consumer")})

    return Starlette(
        routes=[
            Route("/readyz", ready),
            Route("/{channel:str}/v1/{rest:path}", answer, methods=["GET", "POST"]),
        ]
    )
