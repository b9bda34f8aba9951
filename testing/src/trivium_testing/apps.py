"""Calling an ASGI app in process, as unit tests of routes and middleware do."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from starlette.types import ASGIApp


@asynccontextmanager
async def app_client(
    app: ASGIApp,
    *,
    raise_app_exceptions: bool = True,
    headers: Mapping[str, str] | None = None,
    base_url: str = "http://test",
    auth: httpx.Auth | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """A client calling `app` in process at `base_url` (no server, no lifespan), sending
    `headers` (and `auth`) on every call; with `raise_app_exceptions=False` an unhandled error is
    answered as the app's 500 instead."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    async with httpx.AsyncClient(
        transport=transport, base_url=base_url, headers=headers, auth=auth
    ) as client:
        yield client


def emulator_app_fixture(create_app: Callable[[Any], FastAPI]) -> Any:
    """The `app` fixture of an emulator's tests (`app = emulator_app_fixture(create_app)` in its
    conftest): the app built from the `settings` fixture, called in process without its
    lifespan, so without its background loop; the emulator's database is closed afterwards."""

    @pytest_asyncio.fixture
    async def app(settings: Any) -> AsyncIterator[FastAPI]:
        application = create_app(settings)
        yield application
        application.state.emulator.close()

    return app
