"""Consumer side of customer-sync's contracts: its System API adapters against Pact mock
servers, each test declaring the interactions it relies on (see contracts/README.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from pact import Pact

from customer_sync_process.adapters.erp_system import ErpSystemErp
from customer_sync_process.adapters.salesforce_system import SalesforceSystemCrm
from trivium_testing.mock_servers import lower_tier_client
from trivium_testing.pacts import consumer_pact

CONSUMER = "customer-sync"


@pytest.fixture
def salesforce_pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "salesforce-system") as pact:
        yield pact


@pytest.fixture
def erp_pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "erp-system") as pact:
        yield pact


@asynccontextmanager
async def _crm_at(url: object) -> AsyncIterator[SalesforceSystemCrm]:
    async with lower_tier_client(url, backend="salesforce-system") as http:
        yield SalesforceSystemCrm(http)


@asynccontextmanager
async def _erp_at(url: object) -> AsyncIterator[ErpSystemErp]:
    async with lower_tier_client(url, backend="erp-system") as http:
        yield ErpSystemErp(http)


@pytest.fixture
def crm_at() -> Callable[[object], AbstractAsyncContextManager[SalesforceSystemCrm]]:
    """The service's CRM adapter on a mock server's URL."""
    return _crm_at


@pytest.fixture
def erp_at() -> Callable[[object], AbstractAsyncContextManager[ErpSystemErp]]:
    """The service's ERP adapter on a mock server's URL."""
    return _erp_at
