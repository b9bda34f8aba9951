"""The two tiny services `transport_hop.py` measures: a target that answers, and a relay that
forwards every request to it through `trivium.http_client` on the transport named in
`HOP_TRANSPORT` (aiohttp or httpcore)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from trivium.http_client import create_http_client


async def ready(request: Request) -> Response:
    return JSONResponse({"status": "ready"})


async def echo(request: Request) -> Response:
    body = await request.json()
    return JSONResponse({"received": body, "ok": True})


def create_target() -> Starlette:
    """The service at the end of the hop."""
    return Starlette(routes=[Route("/readyz", ready), Route("/echo", echo, methods=["POST"])])


def create_relay() -> Starlette:
    """One extra service hop in front of the target."""
    transport = os.environ.get("HOP_TRANSPORT", "aiohttp")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.client = create_http_client(
            backend=f"hop-{transport}",
            base_url=os.environ["HOP_TARGET_URL"],
            transport="httpcore" if transport == "httpcore" else "aiohttp",
            max_connections=200,
        )
        yield
        await app.state.client.aclose()

    async def relay(request: Request) -> Response:
        forwarded = await request.app.state.client.post("/echo", content=await request.body())
        return Response(
            forwarded.content, status_code=forwarded.status_code, media_type="application/json"
        )

    return Starlette(
        routes=[Route("/readyz", ready), Route("/echo", relay, methods=["POST"])],
        lifespan=lifespan,
    )
