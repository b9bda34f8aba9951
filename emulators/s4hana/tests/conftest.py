"""Fixtures for the S/4HANA emulator tests: in-process apps, signed-in clients, a real process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from s4hana_emulator.main import create_app
from s4hana_emulator.settings import S4HanaEmulatorSettings
from trivium_testing.apps import app_client, emulator_app_fixture
from trivium_testing.services import RunningService

from .support import PASSWORD, TEST_CREDENTIALS, USER, Sap, make_settings, start_emulator


@pytest.fixture(autouse=True)
def system_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every system a test builds has the test credentials."""
    for name, value in TEST_CREDENTIALS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def settings() -> S4HanaEmulatorSettings:
    return make_settings()


app = emulator_app_fixture(create_app)


@pytest_asyncio.fixture
async def sap(app: FastAPI) -> AsyncIterator[Sap]:
    """A Basic-auth client of the in-process emulator, JSON by default, CSRF token fetched."""
    transport = httpx.ASGITransport(app=app)
    async with Sap(
        transport=transport,
        base_url="http://s4.test",
        auth=(USER, PASSWORD),
        headers={"accept": "application/json"},
    ) as client:
        await client.fetch_token()
        yield client


@pytest_asyncio.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app, base_url="http://s4.test") as client:
        yield client


@pytest.fixture(scope="module")
def emulator_process(trivium_run_dir: Path) -> Iterator[RunningService]:
    """One emulator process (in-memory demo system, lifecycle stopped) shared by a module."""
    service = start_emulator(
        trivium_run_dir,
        name="s4-emulator",
        S4_EMULATOR_LIFECYCLE_SPEED="0",
        S4_EMULATOR_PAGE_SIZE="20",
    )
    yield service
    service.stop()
