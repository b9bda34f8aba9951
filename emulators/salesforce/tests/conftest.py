"""Fixtures for the Salesforce emulator tests: an in-process org and signed-in HTTP clients."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import requests
import requests.adapters
from fastapi import FastAPI
from simple_salesforce import Salesforce

from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.emulator import Emulator, build_emulator
from salesforce_emulator.main import create_app
from salesforce_emulator.settings import SalesforceEmulatorSettings
from trivium_testing.apps import app_client, emulator_app_fixture
from trivium_testing.services import RunningService
from trivium_testing.stack import start_salesforce_emulator

API = "/services/data/v62.0"
# The org's credentials in these tests (the emulator has none by default: each is random).
TEST_CREDENTIALS = {
    "SF_EMULATOR_ADMIN_TOKEN": "trivium-emulator-admin",
    "SF_EMULATOR_CLIENT_SECRET": "trivium-demo-secret",
    "SF_EMULATOR_PASSWORD": "trivium-demo-password",
    "SF_EMULATOR_SECURITY_TOKEN": "TRIVIUMDEMOTOKEN",
}


@pytest.fixture(autouse=True)
def org_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every org a test builds has the test credentials."""
    for name, value in TEST_CREDENTIALS.items():
        monkeypatch.setenv(name, value)


def make_settings(**overrides: Any) -> SalesforceEmulatorSettings:
    """Settings of an empty in-memory org (no demo data) unless overridden."""
    values: dict[str, Any] = {"database_path": ":memory:", "seed_demo_data": False}
    values.update(overrides)
    return SalesforceEmulatorSettings(**values)


@pytest.fixture
def settings() -> SalesforceEmulatorSettings:
    return make_settings()


@pytest.fixture
def emulator(settings: SalesforceEmulatorSettings) -> Iterator[Emulator]:
    """The org without HTTP, for domain tests."""
    built = build_emulator(settings)
    yield built
    built.close()


@pytest.fixture
def ctx(emulator: Emulator) -> WriteContext:
    return WriteContext(emulator.user.id, "com/salesforce/api/rest/62.0;client=tests")


app = emulator_app_fixture(create_app)


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An anonymous client of the in-process app."""
    async with app_client(app) as anonymous:
        yield anonymous


async def sign_in(client: httpx.AsyncClient) -> str:
    """An access token from the client-credentials grant."""
    response = await client.post(
        "/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "trivium-demo-client",
            "client_secret": "trivium-demo-secret",
        },
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest_asyncio.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A signed-in client whose base URL is the v62.0 data API."""
    async with app_client(app) as anonymous:
        token = await sign_in(anonymous)
    headers = {"Authorization": f"Bearer {token}"}
    async with app_client(app, base_url=f"http://test{API}", headers=headers) as signed_in:
        yield signed_in


def assert_salesforce_error(
    response: httpx.Response, status: int, error_code: str, *, fields: list[str] | None = None
) -> dict[str, Any]:
    """The response is Salesforce's error array with one item of this code; returns the item."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list), body
    assert len(body) == 1, body
    item: dict[str, Any] = body[0]
    assert item["errorCode"] == error_code, item
    assert isinstance(item["message"], str)
    assert item["message"]
    if fields is not None:
        assert item["fields"] == fields
    return item


@pytest.fixture
def salesforce_error() -> Callable[..., dict[str, Any]]:
    return assert_salesforce_error


class ToEmulator(requests.adapters.HTTPAdapter):
    """Routes simple-salesforce's hard-coded https://<host> URLs to the plain-HTTP emulator."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        request.url = re.sub(r"^https://[^/]+", self.base_url, request.url or "")
        return super().send(request, **kwargs)


@pytest.fixture(scope="module")
def emulator_process(trivium_run_dir: Path) -> Iterator[RunningService]:
    """One emulator process (empty in-memory org) shared by a test module."""
    service = start_salesforce_emulator(
        log_dir=trivium_run_dir / "logs",
        env={
            **TEST_CREDENTIALS,
            "SF_EMULATOR_SEED_DEMO_DATA": "false",
            "SF_EMULATOR_COMETD_TIMEOUT_SECONDS": "2",
        },
    )
    yield service
    service.stop()


@pytest.fixture
def http_session(emulator_process: RunningService) -> Iterator[requests.Session]:
    """A requests session that sends every https:// call to the emulator process."""
    session = requests.Session()
    session.mount("https://", ToEmulator(emulator_process.url))
    yield session
    session.close()


@pytest.fixture
def sf(http_session: requests.Session) -> Salesforce:
    """simple-salesforce, unchanged, signed in with username + password + security token."""
    return Salesforce(
        username="integration@trivium.demo",
        password="trivium-demo-password",
        security_token="TRIVIUMDEMOTOKEN",
        session=http_session,
        version="62.0",
    )
