"""Consumer contract tests run a service's real adapter against Pact's mock server.

A consumer's `tests/contract/conftest.py` names its pacts and adapters:

    salesforce_pact = pact_fixture("quote-to-order", "salesforce-system")
    crm_at = adapter_fixture("salesforce-system", SalesforceSystemCrm)

or, for a consumer of both System APIs, all four at once:

    salesforce_pact, erp_pact, crm_at, erp_at = system_api_fixtures(
        "quote-to-order", SalesforceSystemCrm, ErpSystemErp
    )

and each test declares its interactions on the pact, then calls the adapter on the mock server
that answers them: `async with served(salesforce_pact, crm_at) as crm: ...`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar

import httpx
import pytest
from pact import Pact

from trivium.http_client import create_http_client
from trivium_testing.pacts import consumer_pact

Adapter = TypeVar("Adapter")
# A service's adapter, built on a client for the URL it is given.
AdapterAt = Callable[[object], AbstractAsyncContextManager[Adapter]]


@asynccontextmanager
async def lower_tier_client(url: object, *, backend: str) -> AsyncIterator[httpx.AsyncClient]:
    """The client a service builds for a lower tier, pointed at a mock server (no retries, a
    placeholder service token: the pact pins that a bearer token is sent, not its value)."""
    http = create_http_client(
        backend=backend, base_url=str(url), max_retries=0, service_token=lambda: "service-token"
    )
    try:
        yield http
    finally:
        await http.aclose()


def adapter_at(backend: str, build: Callable[[httpx.AsyncClient], Adapter]) -> AdapterAt[Adapter]:
    """The adapter `build` makes of a `lower_tier_client` for `backend`, at a given URL."""

    @asynccontextmanager
    async def at(url: object) -> AsyncIterator[Adapter]:
        async with lower_tier_client(url, backend=backend) as http:
            yield build(http)

    return at


def adapter_fixture(backend: str, build: Callable[[httpx.AsyncClient], Adapter]) -> Any:
    """A fixture giving the service's adapter for `backend` on a mock server's URL."""

    def adapter_on_mock_server() -> AdapterAt[Adapter]:
        return adapter_at(backend, build)

    adapter_on_mock_server.__doc__ = f"The service's adapter for {backend} on a mock server's URL."
    return pytest.fixture(adapter_on_mock_server)


def pact_fixture(consumer: str, provider: str) -> Any:
    """A fixture giving the `consumer` -> `provider` pact a test declares its interactions on;
    when the test passes they are checked against the committed pact (see `consumer_pact`)."""

    def declared_pact() -> Iterator[Pact]:
        with consumer_pact(consumer, provider) as pact:
            yield pact

    declared_pact.__doc__ = f"The {consumer} -> {provider} pact, checked when the test passes."
    return pytest.fixture(declared_pact)


def system_api_fixtures(
    consumer: str,
    crm: Callable[[httpx.AsyncClient], object],
    erp: Callable[[httpx.AsyncClient], object],
) -> tuple[Any, Any, Any, Any]:
    """The fixtures of `consumer`'s pacts with both System APIs and of its adapters for them
    (`crm`, `erp`) on mock servers: `salesforce_pact, erp_pact, crm_at, erp_at`."""
    return (
        pact_fixture(consumer, "salesforce-system"),
        pact_fixture(consumer, "erp-system"),
        adapter_fixture("salesforce-system", crm),
        adapter_fixture("erp-system", erp),
    )


@asynccontextmanager
async def served(pact: Pact, at: AdapterAt[Adapter]) -> AsyncIterator[Adapter]:
    """The adapter on a mock server answering what `pact` declares (an interaction declared but
    not called fails the test when the block ends)."""
    with pact.serve(addr="127.0.0.1") as server:
        async with at(server.url) as adapter:
            yield adapter
