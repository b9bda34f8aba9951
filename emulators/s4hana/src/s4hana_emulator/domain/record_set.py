"""A record set of the admin API (customers, materials, sales orders in business terms) added to
the system in the demo seed's shape: customers are business partners with the customer role in
sales area 1010/10/00 and a credit account in segment 1000 when they have a limit, products
materials of plant 1010 with a PPR0 list price, orders standard orders (OR) delivered and billed
as the lifecycle does it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from emulator_kit.record_set import (
    CustomerSpec,
    ProductSpec,
    RecordInvalid,
    RecordSet,
    RecordTaken,
    SalesOrderSpec,
)
from s4hana_emulator.domain.lifecycle import bill_order, deliver_order
from s4hana_emulator.domain.seed import PLANT, add_material, add_order, add_price, customer_tree
from s4hana_emulator.odata.engine import ODataEngine
from s4hana_emulator.odata.errors import ODataError
from s4hana_emulator.odata.rules import WriteContext
from s4hana_emulator.odata.values import date_to_ms
from s4hana_emulator.odata.writes import create_tree
from s4hana_emulator.services.credit.accounts import CREDIT_SEGMENT
from s4hana_emulator.services.stock.availability import set_stock


def _add_customer(engine: ODataEngine, ctx: WriteContext, spec: CustomerSpec) -> None:
    if ctx.get("A_BusinessPartner", {"BusinessPartner": spec.number}) is not None:
        raise RecordTaken(f"Business partner {spec.number} exists.")
    address = spec.address
    partner = customer_tree(
        engine,
        number=spec.number,
        name=spec.name,
        address=None
        if address is None
        else {
            "Country": address.country,
            "CityName": address.city,
            "PostalCode": address.postal_code,
            "StreetName": address.street,
            "HouseNumber": address.house_number,
        },
        external_id=spec.external_id,
        vat_id=spec.vat_id,
        phone=spec.phone,
    )
    create_tree(ctx, engine.rules_for, partner)
    key = {"BusinessPartner": spec.number, "CreditSegment": CREDIT_SEGMENT}
    account = ctx.get("CreditManagementAccount", key)
    if account is None:
        return
    if spec.credit_limit is None:
        ctx.store.delete(engine.entity_set("CreditManagementAccount"), key)
        return
    limit = f"{spec.credit_limit:.3f}"
    ctx.update(
        "CreditManagementAccount",
        account,
        {"CreditLimitAmount": limit, "CreditLimitCalculatedAmount": limit},
    )


def _add_material(engine: ODataEngine, ctx: WriteContext, spec: ProductSpec, today: date) -> None:
    if ctx.get("A_Product", {"Product": spec.sku}) is not None:
        raise RecordTaken(f"Material {spec.sku} exists.")
    add_material(engine, ctx, material=spec.sku, descriptions={"EN": spec.name})
    set_stock(ctx, material=spec.sku, plant=PLANT, quantity=spec.stock)
    valid_from = date_to_ms(date(today.year - 1, 1, 1))
    add_price(engine, ctx, spec.sku, spec.price, valid_from=valid_from)


def _add_order(engine: ODataEngine, ctx: WriteContext, spec: SalesOrderSpec, today: date) -> None:
    if ctx.get("A_SalesOrder", {"SalesOrder": spec.number}) is not None:
        raise RecordTaken(f"Sales order {spec.number} exists.")
    if ctx.get("A_Customer", {"Customer": spec.customer}) is None:
        raise RecordInvalid(f"No customer {spec.customer}.")
    for line in spec.lines:
        if ctx.get("A_Product", {"Product": line.sku}) is None:
            raise RecordInvalid(f"No material {line.sku}.")
    order = add_order(
        engine,
        ctx,
        number=spec.number,
        customer=spec.customer,
        reference=spec.reference,
        lines=[(line.sku, Decimal(line.quantity)) for line in spec.lines],
        ordered_on=today,
    )
    if spec.progress == "open":
        return
    order = deliver_order(ctx, order)
    if spec.progress == "billed":
        number = spec.invoice_number
        if number and ctx.get("A_BillingDocument", {"BillingDocument": number}) is not None:
            raise RecordTaken(f"Billing document {number} exists.")
        bill_order(ctx, order, number=number)


def load_records(engine: ODataEngine, records: RecordSet) -> None:
    """Add the record set in one transaction. Raises RecordTaken or RecordInvalid, and then
    adds nothing."""
    ctx = engine.context("ADMIN")
    today = ctx.clock.now().date()
    try:
        with engine.store.transaction():
            for customer in records.customers:
                _add_customer(engine, ctx, customer)
            for product in records.products:
                _add_material(engine, ctx, product, today)
            for order in records.sales_orders:
                _add_order(engine, ctx, order, today)
    except ODataError as error:
        raise RecordInvalid(str(error)) from None
