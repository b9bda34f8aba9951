"""The Salesforce System API and the org emulator as real processes on loopback, per module."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from trivium.redis_discovery import RedisEndpoint
from trivium_testing.keys import session_keys
from trivium_testing.services import RunningService, start_service
from trivium_testing.stack import (
    CREDENTIALS_ENV,
    flush_db,
    sign_in_to_org,
    start_salesforce_emulator,
)

ADMIN_TOKEN = "integration-admin-token"


@pytest.fixture(scope="module")
def emulator_env() -> dict[str, str]:
    """Extra emulator settings; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture(scope="module")
def system_env() -> dict[str, str]:
    """Extra System API settings; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture(scope="module")
def emulator(trivium_run_dir: Path, emulator_env: dict[str, str]) -> Iterator[RunningService]:
    service = start_salesforce_emulator(
        log_dir=trivium_run_dir / "logs",
        env={"SF_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN, "SF_EMULATOR_CHAOS_SEED": "7", **emulator_env},
    )
    yield service
    service.stop()


@pytest.fixture(scope="module")
def system_api(
    emulator: RunningService,
    redis_endpoint: RedisEndpoint,
    trivium_run_dir: Path,
    system_env: dict[str, str],
) -> Iterator[RunningService]:
    # Each module runs its own org: forget the previous module's session and budget.
    flush_db(redis_endpoint.url)
    service = start_service(
        "salesforce_system.main:create_app",
        name="salesforce-system",
        log_dir=trivium_run_dir / "logs",
        env={
            "REDIS_URL": redis_endpoint.url,
            **CREDENTIALS_ENV,
            **session_keys().env("salesforce-system"),
            "SF_SYSTEM_LOGIN_URL": emulator.url,
            "SF_SYSTEM_BULK_THRESHOLD": "300",
            "SF_SYSTEM_BULK_POLL_SECONDS": "0.1",
            "TRIVIUM_HTTP_MAX_RETRIES": "3",
            **system_env,
        },
    )
    yield service
    service.stop()


@pytest_asyncio.fixture
async def api(system_api: RunningService) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the System API carrying a valid service token."""
    token = session_keys().issuer("quote-to-order").token_for("salesforce-system")
    async with httpx.AsyncClient(
        base_url=system_api.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        yield client


@pytest_asyncio.fixture
async def org(emulator: RunningService) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the emulator itself, logged in, for arranging and checking data."""
    async with httpx.AsyncClient(base_url=emulator.url, timeout=30) as client:
        await sign_in_to_org(client)
        yield client


OrgQuery = Callable[[str], Awaitable[list[dict[str, Any]]]]


@pytest.fixture
def org_query(org: httpx.AsyncClient) -> OrgQuery:
    """Run SOQL directly against the emulator, to arrange and check data."""

    async def run(query: str) -> list[dict[str, Any]]:
        response = await org.get("/services/data/v62.0/query", params={"q": query})
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()["records"]
        return records

    return run


@pytest_asyncio.fixture
async def admin(emulator: RunningService) -> AsyncIterator[httpx.AsyncClient]:
    """The emulator's admin and chaos controls."""
    async with httpx.AsyncClient(
        base_url=emulator.url + "/__admin", headers={"X-Admin-Token": ADMIN_TOKEN}, timeout=30
    ) as client:
        yield client
        await client.delete("/chaos")
