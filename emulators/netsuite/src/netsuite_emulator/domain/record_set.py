"""A record set of the admin API (customers, items, sales orders in business terms) added to the
account: customer numbers are entity ids, skus item ids, and order and invoice numbers the
internal ids of the transactions, which an account's id counter reaches in time."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from emulator_kit.record_set import (
    CustomerSpec,
    ProductSpec,
    RecordInvalid,
    RecordSet,
    RecordTaken,
    SalesOrderSpec,
)
from netsuite_emulator.domain.errors import NetSuiteError
from netsuite_emulator.domain.records import customer, fulfillment, inventory_item, sales_order
from netsuite_emulator.domain.records.common import RecordContext
from netsuite_emulator.domain.seed import LOCATIONS, seed_reference_data

FIRST_LOCATION = LOCATIONS[0][0]
NET_30 = "1"


def _customer_body(spec: CustomerSpec) -> dict[str, Any]:
    body: dict[str, Any] = {
        "entityId": spec.number,
        "companyName": spec.name,
        "terms": {"id": NET_30},
        "vatRegNumber": spec.vat_id,
        "phone": spec.phone,
    }
    if spec.credit_limit is not None:
        body["creditLimit"] = str(spec.credit_limit)
    if spec.address is not None:
        address = spec.address
        body["addressBook"] = {
            "items": [
                {
                    "addressBookAddress": {
                        "addr1": f"{address.street} {address.house_number}".strip(),
                        "city": address.city,
                        "zip": address.postal_code,
                        "country": address.country,
                    }
                }
            ]
        }
    return {name: value for name, value in body.items() if value is not None}


def _add_customer(ctx: RecordContext, spec: CustomerSpec) -> None:
    if ctx.store.row("SELECT id FROM customer WHERE entityid = ?", (spec.number,)):
        raise RecordTaken(f"Customer {spec.number} exists.")
    customer.create(ctx, _customer_body(spec), external_id=spec.external_id)


def _add_item(ctx: RecordContext, spec: ProductSpec) -> None:
    if ctx.store.row("SELECT id FROM item WHERE itemid = ?", (spec.sku,)):
        raise RecordTaken(f"Item {spec.sku} exists.")
    item_id = inventory_item.create(
        ctx, {"itemId": spec.sku, "displayName": spec.name, "basePrice": str(spec.price)}
    )
    inventory_item.set_on_hand(ctx, item_id=item_id, location_id=FIRST_LOCATION, on_hand=spec.stock)


def _id_of(ctx: RecordContext, sql: str, key: str, what: str) -> str:
    row = ctx.store.row(sql, (key,))
    if row is None:
        raise RecordInvalid(f"No {what} {key}.")
    return str(row["id"])


def _continue_ids_at(ctx: RecordContext, number: str) -> None:
    try:
        ctx.store.continue_ids_at("transaction", int(number))
    except ValueError as error:
        raise RecordTaken(str(error)) from None


def _add_order(ctx: RecordContext, spec: SalesOrderSpec) -> None:
    customer_id = _id_of(
        ctx, "SELECT id FROM customer WHERE entityid = ?", spec.customer, "customer"
    )
    lines = [
        {
            "item": {"id": _id_of(ctx, "SELECT id FROM item WHERE itemid = ?", line.sku, "item")},
            "quantity": str(line.quantity),
        }
        for line in spec.lines
    ]
    _continue_ids_at(ctx, spec.number)
    order_id = sales_order.create(
        ctx,
        {
            "entity": {"id": customer_id},
            "otherRefNum": spec.reference or None,
            "item": {"items": lines},
        },
    )
    if spec.progress == "open":
        return
    fulfillment.create_fulfillment(ctx, {}, order_id=order_id)
    if spec.progress == "billed":
        if spec.invoice_number:
            _continue_ids_at(ctx, spec.invoice_number)
        fulfillment.create_invoice(ctx, {}, order_id=order_id)


def load_records(ctx: RecordContext, records: RecordSet) -> None:
    """Add the record set in one transaction (the reference data first, into an empty account).
    Raises RecordTaken or RecordInvalid, and then adds nothing."""
    adding = replace(ctx, enforce_credit_limit=False)
    try:
        with ctx.store.transaction():
            if not ctx.store.scalar("SELECT COUNT(*) FROM subsidiary"):
                seed_reference_data(adding)
            for spec in records.customers:
                _add_customer(adding, spec)
            for product in records.products:
                _add_item(adding, product)
            for order in records.sales_orders:
                _add_order(adding, order)
    except NetSuiteError as error:
        raise RecordInvalid(error.detail) from None
