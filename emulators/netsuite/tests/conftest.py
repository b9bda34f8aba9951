"""Fixtures for the NetSuite emulator tests: in-process apps and signed clients."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from netsuite_emulator.main import create_app
from netsuite_emulator.settings import NetSuiteEmulatorSettings
from trivium_testing.apps import app_client, emulator_app_fixture

from .support import ADMIN, TokenBasedAuth, make_settings


@pytest.fixture
def settings() -> NetSuiteEmulatorSettings:
    return make_settings()


app = emulator_app_fixture(create_app)


@pytest_asyncio.fixture
async def netsuite(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A TBA-signed client of the in-process emulator."""
    async with app_client(
        app, base_url="https://1234567-sb1.suitetalk.api.netsuite.com", auth=TokenBasedAuth()
    ) as client:
        yield client


@pytest_asyncio.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app, base_url="http://ns.test") as client:
        yield client


@pytest_asyncio.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app, base_url="http://ns.test", headers=ADMIN) as client:
        yield client
