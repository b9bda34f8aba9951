"""Integration wiring: the S/4HANA emulator and this service as real processes on loopback.

One emulator (in memory, demo seed, lifecycle stopped: tests move orders on through its admin
API) and one ERP System API serve every test here, because starting them costs seconds; tests
use their own references and undo their chaos. Variants of the service (OAuth, no retries) are
started per test with `run_service`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from trivium.redis_discovery import RedisEndpoint
from trivium_testing.keys import session_keys
from trivium_testing.services import RunningService, start_service
from trivium_testing.stack import CREDENTIALS_ENV

ADMIN_TOKEN = "trivium-emulator-admin"
SAP_USER = ("TRIVIUM_COMM_USER", "Trivium-Demo-Pass1")
EMULATOR_ENV = {
    **CREDENTIALS_ENV,
    "S4_EMULATOR_DATABASE_PATH": ":memory:",
    "S4_EMULATOR_LIFECYCLE_SPEED": "0",
    "S4_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN,
}
_BACKEND_CALL = re.compile(
    r'^trivium_backend_calls_total\{backend="s4hana",method="(\w+)",outcome="(\w+)"\} (\S+)$'
)


@dataclass(frozen=True)
class Stack:
    emulator: RunningService
    erp: RunningService
    redis_url: str


def erp_env(emulator_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The ERP System API's environment against the emulator."""
    return {
        **CREDENTIALS_ENV,
        "REDIS_URL": redis_url,
        **session_keys().env("erp-system"),
        "TRIVIUM_BREAKER_RESET_SECONDS": "0.5",
        "ERP_SYSTEM_BASE_URL": emulator_url,
        **extra,
    }


@pytest.fixture(scope="session")
def stack(trivium_run_dir: Path, redis_endpoint: RedisEndpoint) -> Iterator[Stack]:
    logs = trivium_run_dir / "logs"
    emulator = start_service(
        "s4hana_emulator.main:create_app", name="s4-emulator", log_dir=logs, env=EMULATOR_ENV
    )
    try:
        erp = start_service(
            "erp_system.main:create_app",
            name="erp-system",
            log_dir=logs,
            env=erp_env(emulator.url, redis_endpoint.url),
        )
    except Exception:
        emulator.stop()
        raise
    yield Stack(emulator, erp, redis_endpoint.url)
    erp.stop()
    emulator.stop()


def service_client(url: str) -> httpx.AsyncClient:
    token = session_keys().issuer("quote-to-order").token_for("erp-system")
    return httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest_asyncio.fixture
async def erp(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The ERP System API, called with a valid service token."""
    async with service_client(stack.erp.url) as client:
        yield client


@pytest_asyncio.fixture
async def admin(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The emulator's admin API; chaos is switched off again after every test."""
    async with httpx.AsyncClient(
        base_url=f"{stack.emulator.url}/__admin", headers={"X-Admin-Token": ADMIN_TOKEN}
    ) as client:
        yield client
        (await client.delete("/chaos")).raise_for_status()


@pytest_asyncio.fixture
async def sap(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The emulator's OData services read directly, to check what the ERP really holds."""
    async with httpx.AsyncClient(
        base_url=f"{stack.emulator.url}/sap/opu/odata/sap",
        auth=SAP_USER,
        params={"sap-client": "100"},
        headers={"Accept": "application/json"},
    ) as client:
        yield client


async def sap_rows(sap: httpx.AsyncClient, path: str, **options: str) -> list[dict[str, Any]]:
    """The entities of a collection read directly from the emulator."""
    response = await sap.get(path, params=options)
    response.raise_for_status()
    rows: list[dict[str, Any]] = response.json()["d"]["results"]
    return rows


async def sap_calls(
    erp: httpx.AsyncClient, *, method: str | None = None, outcome: str | None = None
) -> int:
    """Calls the service has made to SAP so far, from its Prometheus counter."""
    total = 0.0
    for line in (await erp.get("/metrics")).text.splitlines():
        match = _BACKEND_CALL.match(line)
        if match and method in (None, match.group(1)) and outcome in (None, match.group(2)):
            total += float(match.group(3))
    return int(total)
