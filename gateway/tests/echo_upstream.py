"""The stand-in experience API behind the gateway in tests (run as its own process).

It answers every path with what it received, and verifies the gateway's signed identity as an
experience API would (audience by path prefix, public keys from TRIVIUM_TRUSTED_KEYS).
`?bytes=N` answers N streamed bytes instead; `?status=N` answers with that status.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from trivium.keys import load_trusted_keys
from trivium.problems import Problem
from trivium.service_auth import ServiceTokenVerifier, TrustedKeySet

AUDIENCES = {"/partner": "partner-portal-experience", "/mobile": "mobile-experience"}
CHUNK = b"x" * 65536


def create_upstream() -> Starlette:
    """The echoing upstream."""
    trusted = TrustedKeySet(load_trusted_keys(Path(os.environ["TRIVIUM_TRUSTED_KEYS"])))

    async def echo(request: Request) -> Response:
        body = await request.body()
        size = int(request.query_params.get("bytes", "0"))
        if size:
            return StreamingResponse(_stream(size), media_type="application/octet-stream")
        path = request.url.path
        audience = next((a for prefix, a in AUDIENCES.items() if path.startswith(prefix)), "none")
        identity: dict[str, Any] | None = None
        identity_error = None
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            verifier = ServiceTokenVerifier(audience=audience, keys=trusted)
            try:
                caller = verifier.verify(token.strip())
                identity = {"issuer": caller.service, **caller.claims}
            except Problem as problem:
                identity_error = problem.detail
        return JSONResponse(
            {
                "method": request.method,
                "path": path,
                "rawPath": request.scope["raw_path"].decode("latin-1"),
                "query": request.url.query,
                "headers": {name: request.headers.getlist(name) for name in request.headers},
                "bodyBytes": len(body),
                "identity": identity,
                "identityError": identity_error,
            },
            status_code=int(request.query_params.get("status", "200")),
            headers={"X-Correlation-ID": "upstream-own-id", "Server": "upstream"},
        )

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", echo, methods=methods)])


async def _stream(size: int) -> AsyncIterator[bytes]:
    left = size
    while left > 0:
        yield CHUNK[: min(left, len(CHUNK))]
        left -= len(CHUNK)
