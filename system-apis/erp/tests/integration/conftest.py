"""Integration wiring: an ERP emulator and this service as real processes on loopback.

Every test runs on each ERP backend (S/4HANA and NetSuite) unless it reads SAP directly (the
`sap` fixture) or names its backends with `@pytest.mark.erp_backends(...)`. Per backend one
emulator (in memory, demo seed, lifecycle stopped: tests move orders on through its admin API)
and one ERP System API serve every test, because starting them costs seconds; tests use their
own references and undo their chaos. Variants of the service (OAuth, no retries) are started per
test with `run_service`.
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
from trivium_testing.stack import (
    ADMIN_TOKEN,
    CREDENTIALS_ENV,
    ERP_BACKENDS,
    ERP_EMULATORS,
    erp_backend_env,
)

SAP_USER = ("TRIVIUM_COMM_USER", "Trivium-Demo-Pass1")
_BACKEND_CALL = re.compile(
    r'^trivium_backend_calls_total\{backend="s4hana",method="(\w+)",outcome="(\w+)"\} (\S+)$'
)


@dataclass(frozen=True)
class Stack:
    backend: str
    emulator: RunningService
    erp: RunningService
    redis_url: str


def erp_env(
    emulator_url: str, redis_url: str, *, backend: str = "s4hana", **extra: str
) -> dict[str, str]:
    """The ERP System API's environment against the emulator of `backend`."""
    return {
        **CREDENTIALS_ENV,
        "REDIS_URL": redis_url,
        **session_keys().env("erp-system"),
        "TRIVIUM_BREAKER_RESET_SECONDS": "0.5",
        **erp_backend_env(backend, emulator_url),
        **extra,
    }


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "erp_backends(*names): run the test on these ERP backends only"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test that uses the stack runs once per ERP backend it applies to."""
    if "stack" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("erp_backends")
    if marker is not None:
        backends = list(marker.args)
    elif "sap" in metafunc.fixturenames:
        backends = ["s4hana"]
    else:
        backends = list(ERP_BACKENDS)
    metafunc.parametrize("backend", backends, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def stack(backend: str, trivium_run_dir: Path, redis_endpoint: RedisEndpoint) -> Iterator[Stack]:
    logs = trivium_run_dir / "logs"
    emulator = start_service(log_dir=logs, **ERP_EMULATORS[backend])
    try:
        erp = start_service(
            "erp_system.main:create_app",
            name=f"erp-system-{backend}",
            log_dir=logs,
            env=erp_env(emulator.url, redis_endpoint.url, backend=backend),
        )
    except Exception:
        emulator.stop()
        raise
    yield Stack(backend, emulator, erp, redis_endpoint.url)
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


async def exposure_row(
    sap: httpx.AsyncClient, customer: str, *, segment: str | None = None
) -> dict[str, Any]:
    """The customer's row in the S/4HANA credit exposure view (of `segment`, when given)."""
    condition = f"BusinessPartner eq '{customer}'"
    if segment is not None:
        condition += f" and CreditSegment eq '{segment}'"
    [row] = await sap_rows(
        sap, "YY1_CREDITEXPOSURE_CDS/YY1_CreditExposure", **{"$filter": condition}
    )
    return row


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
