"""Fixtures a folder's integration tests name in its conftest: a service started against the
system stack, and a client of the service under test.

    customers_service = stack_service_fixture("create-customer", db=CUSTOMERS_DB)
    customers = caller_fixture()
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from trivium_testing.services import RunningService
from trivium_testing.stack import ServiceUnderTest, service_client, serving

# The app of each service a test starts against the system stack.
APPS = {
    "quote-to-order": "quote_to_order_process.main:create_app",
    "create-customer": "create_customer_process.main:create_app",
    "customer-sync": "customer_sync_process.main:create_app",
    "mobile-experience": "mobile_experience.main:create_app",
    "partner-portal-experience": "partner_portal_experience.main:create_app",
}


def stack_service_fixture(
    service: str,
    *,
    db: int,
    name: str = "",
    scope: str = "session",
    stack: str = "system_stack",
    **env: str,
) -> Any:
    """A fixture running `service` (as `name`) against the stack the fixture `stack` gives, on
    Redis database `db` with the settings `env`, for `scope`."""

    def running(request: pytest.FixtureRequest, trivium_run_dir: Path) -> Iterator[RunningService]:
        with serving(
            APPS[service],
            name=name or service,
            log_dir=trivium_run_dir / "logs",
            env=request.getfixturevalue(stack).caller_env(service, db=db, **env),
        ) as started:
            yield started

    running.__doc__ = f"{name or service} against the system stack, on Redis database {db}."
    return pytest.fixture(scope=scope)(running)  # type: ignore[call-overload]


def caller_fixture() -> Any:
    """A fixture giving the service under test, called as its usual caller, with a service
    token."""

    async def usual_caller(
        service_under_test: ServiceUnderTest,
    ) -> AsyncIterator[httpx.AsyncClient]:
        service = service_under_test
        async with service_client(service.url, audience=service.audience) as client:
            yield client

    usual_caller.__doc__ = "The service under test, called with a service token."
    return pytest_asyncio.fixture(usual_caller)
