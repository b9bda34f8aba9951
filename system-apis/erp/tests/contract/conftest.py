"""The ERP System API in contract-test mode: the app as deployed, on the in-memory ERP, with the
provider states its consumers' pacts name (set through `/_pact/provider-states`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.datastructures import State

from erp_system.adapters.fake import FakeErp
from erp_system.domain.models import (
    CustomerRead,
    ProductRead,
    SalesArea,
    SalesOrderLineRead,
    SalesOrderRead,
    SalesOrderStatus,
)
from erp_system.main import create_app
from erp_system.settings import ErpSystemSettings
from trivium.idempotency import IdempotencyStore
from trivium.redis_discovery import RedisEndpoint
from trivium.schemas import Money
from trivium.service_auth import ServiceTokenIssuer
from trivium.testing.pacts import StateHandler, enable_provider_states, serve_app
from trivium.testing.stack import redis_db

PROVIDER = "erp-system"
SECRET = "contract-test-service-token-secret-0123456789"
CONTRACT_DB = 15


def _customer(erp: FakeErp, customer_id: str) -> None:
    erp.customers[customer_id] = CustomerRead(
        id=customer_id,
        name="Tegernsee Getraenke GmbH",
        sales_areas=[
            SalesArea(
                sales_organization="1010",
                distribution_channel="10",
                division="00",
                currency=erp.currency,
            )
        ],
    )


def _product(erp: FakeErp, sku: str) -> None:
    erp.products[sku] = ProductRead(
        sku=sku,
        name="Tegernseer Hell 0.5 l",
        base_unit="EA",
        unit_price=Money(amount=Decimal("114.00"), currency=erp.currency),
    )


def customer_with_priced_products(state: State, params: dict[str, Any]) -> None:
    _customer(state.erp, params["customerId"])
    _product(state.erp, params["sku"])


def product_in_stock(state: State, params: dict[str, Any]) -> None:
    _product(state.erp, params["sku"])
    state.erp.stock[params["sku"]] = Decimal(40)


def customer_with_credit_account(state: State, params: dict[str, Any]) -> None:
    _customer(state.erp, params["customerId"])
    state.erp.credit_limits[params["customerId"]] = (Decimal(50_000), False)


def customer_without_credit_account(state: State, params: dict[str, Any]) -> None:
    _customer(state.erp, params["customerId"])


def sales_order_for_reference(state: State, params: dict[str, Any]) -> None:
    erp: FakeErp = state.erp
    _customer(erp, params["customerId"])
    _product(erp, params["sku"])
    order_id = params["orderId"]
    erp.orders[order_id] = SalesOrderRead(
        id=order_id,
        customer_id=params["customerId"],
        external_reference=params["externalReference"],
        status=SalesOrderStatus.OPEN,
        delivery_status="not_started",
        billing_status="not_started",
        total=Money(amount=Decimal("228.00"), currency=erp.currency),
        created_on=date(2026, 11, 28),
        lines=[
            SalesOrderLineRead(line_number="10", sku=params["sku"], quantity=Decimal(2), unit="EA")
        ],
    )
    erp.versions[order_id] = 1


def no_such_customer(state: State, params: dict[str, Any]) -> None:
    """The fresh ERP holds no customers at all."""


STATES: dict[str, StateHandler] = {
    "a customer with priced products exists": customer_with_priced_products,
    "a product is in stock": product_in_stock,
    "a customer with a credit account exists": customer_with_credit_account,
    "a customer without a credit account exists": customer_without_credit_account,
    "a sales order exists for a customer's reference": sales_order_for_reference,
    "no customer has the number": no_such_customer,
}


@pytest.fixture(scope="session")
def contract_app(redis_endpoint: RedisEndpoint) -> Callable[[], FastAPI]:
    """Builds the provider app in contract-test mode."""
    settings = ErpSystemSettings(
        redis_url=redis_db(redis_endpoint.url, CONTRACT_DB),
        service_token_secret=SECRET,
        log_format="text",
    )

    def reset(state: State) -> None:
        state.erp = FakeErp()
        # Each state starts with no remembered Idempotency-Keys: a namespace of its own.
        store: IdempotencyStore = state.idempotency
        store.service = f"{PROVIDER}-{uuid.uuid4().hex}"

    def build() -> FastAPI:
        return enable_provider_states(create_app(settings), STATES, reset=reset)

    return build


@pytest.fixture(scope="session")
def provider_url(contract_app: Callable[[], FastAPI]) -> Iterator[str]:
    """The provider in contract-test mode, served for the whole session."""
    with serve_app(contract_app()) as url:
        yield url


@pytest.fixture(scope="session")
def consumer_headers() -> dict[str, str]:
    """What every consumer call carries: a service token for this provider."""
    token = ServiceTokenIssuer(issuer="pact-verifier", secret=SECRET).token_for(PROVIDER)
    return {"Authorization": f"Bearer {token}"}
