"""The ERP System API in contract-test mode, once per ERP backend: the app as deployed, its real
adapter (S/4HANA over OData, NetSuite over SuiteTalk REST) calling a real emulator process, with
the provider states its consumers' pacts name (set through `/_pact/provider-states`).

Both emulators are started together once for the session; each provider state empties the
backend's emulator and adds, through its admin API (`POST /__admin/records`), exactly the
customers, products and orders the state names, with the numbers the pact's parameters give.
The same state description serves both backends: each emulator maps it onto its own records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.datastructures import State

from erp_system.bootstrap import ErpSystem
from erp_system.main import create_app
from erp_system.settings import ErpSystemSettings, NetSuiteSettings
from trivium.redis_discovery import RedisEndpoint
from trivium_testing.pacts import (
    FreshState,
    StateHandler,
    contract_app_builder,
    contract_settings,
    service_name,
)
from trivium_testing.provider_checks import ProviderPactChecks, consumer_headers_fixture
from trivium_testing.services import RunningService
from trivium_testing.stack import (
    ADMIN_TOKEN,
    ERP_BACKENDS,
    ERP_EMULATORS,
    NETSUITE_ACCOUNT,
    NETSUITE_TBA,
    SAP_USER,
    start_all,
    stop_all,
)

PROVIDER = "erp-system"
EVERY_PACT_CHECK = ProviderPactChecks.test_every_pact_naming_the_provider_holds.__name__
Records = dict[str, list[dict[str, Any]]]
PRODUCT = {"name": "Tegernseer Hell 0.5 l", "price": "114.00", "stock": "40"}
CREDIT_LIMIT = "50000"
PROFILE = {
    "name": "Nordwind Getraenke GmbH",
    "phone": "+4989123456",
    "address": {
        "street": "Leopoldstrasse",
        "houseNumber": "1",
        "city": "Muenchen",
        "postalCode": "80802",
        "country": "DE",
    },
}


def _customer(number: str, **fields: Any) -> dict[str, Any]:
    return {"number": number, "name": "Tegernsee Getraenke GmbH", **fields}


def _order(params: dict[str, Any], *, reference: str, progress: str = "open") -> dict[str, Any]:
    return {
        "number": params["orderId"],
        "customer": params["customerId"],
        "reference": reference,
        "lines": [{"sku": params.get("sku", "TG-1000"), "quantity": "2"}],
        "progress": progress,
        "invoiceNumber": params.get("invoiceId"),
    }


def emulator_url(settings: ErpSystemSettings) -> str:
    """Where the ERP System API finds its backend: the emulator of the backend it runs on."""
    if settings.backend == "netsuite":
        return settings.netsuite.effective_base_url()
    return settings.base_url.rstrip("/")


async def holds(state: State, records: Records) -> None:
    """The backend empties and then holds exactly `records` (customers, products, orders)."""
    system: ErpSystem = state.container
    async with httpx.AsyncClient(
        base_url=f"{emulator_url(system.settings)}/__admin",
        headers={"X-Admin-Token": ADMIN_TOKEN},
        timeout=60,
    ) as admin:
        (await admin.post("/reset", params={"seed": "false"})).raise_for_status()
        if records:
            (await admin.post("/records", json=records)).raise_for_status()


async def customer_with_priced_products(state: State, params: dict[str, Any]) -> None:
    await holds(
        state,
        {
            "customers": [_customer(params["customerId"], creditLimit=CREDIT_LIMIT)],
            "products": [{"sku": params["sku"], **PRODUCT}],
        },
    )


async def product_in_stock(state: State, params: dict[str, Any]) -> None:
    await holds(state, {"products": [{"sku": params["sku"], **PRODUCT}]})


async def customer_with_credit_account(state: State, params: dict[str, Any]) -> None:
    await holds(state, {"customers": [_customer(params["customerId"], creditLimit=CREDIT_LIMIT)]})


async def customer_without_credit_account(state: State, params: dict[str, Any]) -> None:
    await holds(state, {"customers": [_customer(params["customerId"])]})


async def sales_order_for_reference(state: State, params: dict[str, Any]) -> None:
    await holds(
        state,
        {
            "customers": [_customer(params["customerId"], creditLimit=CREDIT_LIMIT)],
            "products": [{"sku": params["sku"], **PRODUCT}],
            "salesOrders": [_order(params, reference=params["externalReference"])],
        },
    )


async def customer_linked_to_crm_account(state: State, params: dict[str, Any]) -> None:
    customer = _customer(
        params["customerId"], externalId=params["externalId"], vatId=params.get("vatId")
    )
    if "name" in params:
        customer["name"] = params["name"]
    await holds(state, {"customers": [customer]})


async def customer_with_orders_and_open_invoices(state: State, params: dict[str, Any]) -> None:
    await holds(
        state,
        {
            "customers": [_customer(params["customerId"], creditLimit=CREDIT_LIMIT)],
            "products": [{"sku": "TG-1000", **PRODUCT}],
            "salesOrders": [_order(params, reference="PO-4711", progress="billed")],
        },
    )


async def customer_profile_changed(state: State, params: dict[str, Any]) -> None:
    customer = {
        "number": params["customerId"],
        "externalId": params["externalId"],
        "creditLimit": CREDIT_LIMIT,
        **PROFILE,
    }
    await holds(
        state,
        {
            "customers": [customer],
            "products": [{"sku": "TG-1000", **PRODUCT}],
            "salesOrders": [_order(params, reference="PO-4711", progress="billed")],
        },
    )


async def nothing_with_that_number(state: State, params: dict[str, Any]) -> None:
    """The backend holds no customers and no sales orders at all."""
    await holds(state, {})


STATES: dict[str, StateHandler] = {
    "a customer with priced products exists": customer_with_priced_products,
    "a product is in stock": product_in_stock,
    "a customer with a credit account exists": customer_with_credit_account,
    "a customer without a credit account exists": customer_without_credit_account,
    "a sales order exists for a customer's reference": sales_order_for_reference,
    "no customer has the number": nothing_with_that_number,
    "no sales order has the number": nothing_with_that_number,
    "a customer linked to a CRM account exists": customer_linked_to_crm_account,
    "a customer with sales orders and open invoices exists": (
        customer_with_orders_and_open_invoices
    ),
    "a customer profile linked to a CRM account changed": customer_profile_changed,
}


def backend_settings(backend: str, url: str) -> dict[str, Any]:
    """The ERP System API's settings for `backend` served by the emulator at `url`."""
    if backend == "netsuite":
        netsuite = NetSuiteSettings(
            account_id=NETSUITE_ACCOUNT,
            base_url=url,
            **{name.lower(): value for name, value in NETSUITE_TBA.items()},
        )
        return {"backend": "netsuite", "netsuite": netsuite}
    return {"backend": "s4hana", "base_url": url, "username": SAP_USER[0], "password": SAP_USER[1]}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every pact is verified on each ERP backend; the checks that the verification notices a
    changed response are about the verification, and run on one backend (the quicker)."""
    if "erp_backend" not in metafunc.fixturenames:
        return
    every = metafunc.definition.originalname == EVERY_PACT_CHECK
    backends = ERP_BACKENDS if every else ("netsuite",)
    metafunc.parametrize("erp_backend", backends, indirect=True, scope="session")


@pytest.fixture(scope="session")
def erp_backend(request: pytest.FixtureRequest) -> str:
    """The ERP behind the API."""
    backend: str = request.param
    return backend


@pytest.fixture(scope="session")
def erp_emulators(trivium_run_dir: Path) -> Iterator[dict[str, RunningService]]:
    """Every backend's emulator, started together once for the session (each state empties
    the one it sets up)."""
    started = start_all(
        [ERP_EMULATORS[backend] for backend in ERP_BACKENDS], log_dir=trivium_run_dir / "logs"
    )
    yield dict(zip(ERP_BACKENDS, started, strict=True))
    stop_all(started)


@pytest.fixture(scope="session")
def erp_emulator(erp_backend: str, erp_emulators: dict[str, RunningService]) -> RunningService:
    """The emulator of the backend the API runs on."""
    return erp_emulators[erp_backend]


@pytest.fixture(scope="session")
def contract_app(
    erp_backend: str, erp_emulator: RunningService, redis_endpoint: RedisEndpoint
) -> Callable[[], FastAPI]:
    """Builds the app in contract-test mode on the backend's emulator: its real adapter, and
    per state a fresh idempotency namespace."""
    settings = ErpSystemSettings(
        **contract_settings(redis_endpoint.url, service_name(ErpSystemSettings)),
        **backend_settings(erp_backend, erp_emulator.url),
    )

    def as_deployed(system: ErpSystem, fresh: FreshState) -> ErpSystem:
        return system

    return contract_app_builder(create_app, settings, ErpSystem, states=STATES, fakes=as_deployed)


# What every consumer call carries: a service token for this provider.
consumer_headers = consumer_headers_fixture("quote-to-order", PROVIDER)
