"""Consumer side of the mobile API's contracts: its adapters for the System APIs and the process
APIs against Pact mock servers (see contracts/README.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from pact import Pact

from mobile_experience.adapters.erp_system import ErpSystemErp
from mobile_experience.adapters.process_apis import CreateCustomerCustomers, QuoteToOrderOrders
from mobile_experience.adapters.salesforce_system import SalesforceSystemCrm
from mobile_experience.domain.models import Rep
from trivium.http_client import create_http_client
from trivium.testing.pacts import consumer_pact

CONSUMER = "mobile"
REP = Rep(username="anna.becker@trivium.demo", consumer="rep-anna-becker", plan="internal")


@pytest.fixture
def salesforce_pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "salesforce-system") as pact:
        yield pact


@pytest.fixture
def erp_pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "erp-system") as pact:
        yield pact


@pytest.fixture
def orders_pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "quote-to-order") as pact:
        yield pact


@pytest.fixture
def customers_pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "create-customer") as pact:
        yield pact


@asynccontextmanager
async def _lower_tier_http(url: object, *, backend: str) -> AsyncIterator[httpx.AsyncClient]:
    # The client the service builds for a lower tier, pointed at the mock server.
    http = create_http_client(
        backend=backend, base_url=str(url), max_retries=0, service_token=lambda: "service-token"
    )
    try:
        yield http
    finally:
        await http.aclose()


def _rep_token(rep: Rep) -> str:
    return f"token-for-{rep.consumer}"


@asynccontextmanager
async def _crm_at(url: object) -> AsyncIterator[SalesforceSystemCrm]:
    async with _lower_tier_http(url, backend="salesforce-system") as http:
        yield SalesforceSystemCrm(http)


@asynccontextmanager
async def _erp_at(url: object) -> AsyncIterator[ErpSystemErp]:
    async with _lower_tier_http(url, backend="erp-system") as http:
        yield ErpSystemErp(http)


@asynccontextmanager
async def _orders_at(url: object) -> AsyncIterator[QuoteToOrderOrders]:
    async with _lower_tier_http(url, backend="quote-to-order") as http:
        yield QuoteToOrderOrders(http, token_for=_rep_token)


@asynccontextmanager
async def _customers_at(url: object) -> AsyncIterator[CreateCustomerCustomers]:
    async with _lower_tier_http(url, backend="create-customer") as http:
        yield CreateCustomerCustomers(http, token_for=_rep_token)


@pytest.fixture
def rep() -> Rep:
    """The signed-in sales rep the calls are made for."""
    return REP


@pytest.fixture
def crm_at() -> Callable[[object], AbstractAsyncContextManager[SalesforceSystemCrm]]:
    """The service's CRM adapter on a mock server's URL."""
    return _crm_at


@pytest.fixture
def erp_at() -> Callable[[object], AbstractAsyncContextManager[ErpSystemErp]]:
    """The service's ERP adapter on a mock server's URL."""
    return _erp_at


@pytest.fixture
def orders_at() -> Callable[[object], AbstractAsyncContextManager[QuoteToOrderOrders]]:
    """The service's quote-to-order adapter on a mock server's URL."""
    return _orders_at


@pytest.fixture
def customers_at() -> Callable[[object], AbstractAsyncContextManager[CreateCustomerCustomers]]:
    """The service's create-customer adapter on a mock server's URL."""
    return _customers_at
