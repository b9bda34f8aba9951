"""The ERP System API in contract-test mode: the app as deployed, on the in-memory ERP (and an
in-memory change log and profile store for the sync routes), with the provider states its
consumers' pacts name (set through `/_pact/provider-states`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from starlette.datastructures import State

from erp_system.adapters.fake import FakeErp, FakeErpSync
from erp_system.bootstrap import ErpSystem
from erp_system.domain.models import (
    Address,
    CustomerRead,
    InvoiceRead,
    ProductRead,
    SalesArea,
    SalesOrderLineRead,
    SalesOrderRead,
    SalesOrderStatus,
)
from erp_system.domain.sync_models import CustomerProfileRead, SalesOrderChange
from erp_system.main import create_app
from erp_system.settings import ErpSystemSettings
from trivium.schemas import Money
from trivium_testing.pacts import (
    FreshState,
    StateHandler,
    contract_app_fixture,
)
from trivium_testing.provider_checks import consumer_headers_fixture

PROVIDER = "erp-system"


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


def _erp(state: State) -> FakeErp:
    system: ErpSystem = state.container
    assert isinstance(system.erp, FakeErp)
    return system.erp


def _sync(state: State) -> FakeErpSync:
    system: ErpSystem = state.container
    assert isinstance(system.sync, FakeErpSync)
    return system.sync


def customer_with_priced_products(state: State, params: dict[str, Any]) -> None:
    _customer(_erp(state), params["customerId"])
    _product(_erp(state), params["sku"])


def product_in_stock(state: State, params: dict[str, Any]) -> None:
    _product(_erp(state), params["sku"])
    _erp(state).stock[params["sku"]] = Decimal(40)


def customer_with_credit_account(state: State, params: dict[str, Any]) -> None:
    _customer(_erp(state), params["customerId"])
    _erp(state).credit_limits[params["customerId"]] = (Decimal(50_000), False)


def customer_without_credit_account(state: State, params: dict[str, Any]) -> None:
    _customer(_erp(state), params["customerId"])


def sales_order_for_reference(state: State, params: dict[str, Any]) -> None:
    erp = _erp(state)
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


def customer_linked_to_crm_account(state: State, params: dict[str, Any]) -> None:
    erp = _erp(state)
    _customer(erp, params["customerId"])
    erp.customers[params["customerId"]] = erp.customers[params["customerId"]].model_copy(
        update={
            "name": params.get("name", "Tegernsee Getraenke GmbH"),
            "external_id": params["externalId"],
            "vat_id": params.get("vatId"),
        }
    )


def customer_with_orders_and_open_invoices(state: State, params: dict[str, Any]) -> None:
    erp = _erp(state)
    sales_order_for_reference(
        state,
        {
            "orderId": params["orderId"],
            "customerId": params["customerId"],
            "externalReference": "PO-4711",
            "sku": "TG-1000",
        },
    )
    erp.invoices.append(
        InvoiceRead(
            id=params["invoiceId"],
            customer_id=params["customerId"],
            status="open",
            sales_order_id=params["orderId"],
            invoice_date=date(2026, 11, 28),
            net_amount=Money(amount=Decimal("228.00"), currency=erp.currency),
        )
    )


def customer_profile_changed(state: State, params: dict[str, Any]) -> None:
    sync = _sync(state)
    customer_id, now = params["customerId"], datetime.now(UTC)
    sync.profiles[customer_id] = CustomerProfileRead(
        id=customer_id,
        external_id=params["externalId"],
        name="Nordwind Getraenke GmbH",
        phone="+4989123456",
        address=Address(
            street="Leopoldstrasse",
            house_number="1",
            city="Muenchen",
            postal_code="80802",
            country="DE",
        ),
        blocked=False,
        payment_terms="0001",
        credit_limit=Money(amount=Decimal("50000.00"), currency=sync.erp.currency),
        changed_at=now,
    )
    sync.order_changes.append(
        SalesOrderChange(
            id=params["orderId"],
            customer_id=customer_id,
            status=SalesOrderStatus.BILLED,
            delivery_status="complete",
            billing_status="complete",
            invoice_numbers=["90000001"],
            changed_at=now,
        )
    )


def nothing_with_that_number(state: State, params: dict[str, Any]) -> None:
    """The fresh ERP holds no customers and no sales orders at all."""


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


@contract_app_fixture(create_app, ErpSystemSettings, ErpSystem, states=STATES)
def contract_app(system: ErpSystem, fresh: FreshState) -> ErpSystem:
    """The app as deployed, on an empty in-memory ERP."""
    erp = FakeErp()
    return replace(system, erp=erp, sync=FakeErpSync(erp))


# What every consumer call carries: a service token for this provider.
consumer_headers = consumer_headers_fixture("quote-to-order", PROVIDER)
