"""The deterministic demo account: customers, items with stock and prices, credit, history.

Loaded into an empty database it always holds the same records (internal ids count up from 1;
dates are relative to the day of loading). It describes the same company as the Salesforce
emulator's demo org and the S/4HANA emulator's demo system:

| NetSuite                                         | Salesforce / S/4HANA                         |
|--------------------------------------------------|----------------------------------------------|
| customer entityId 1000001..1000003               | Account.ERP_Customer_Number__c 1000001..03   |
| (internal ids 1..3; no externalId: no CRM link)  | (AccountNumber P-1001..P-1003); SAP partner  |
| customer 1000004..1000050                        | ERP-only customers, as in S/4HANA            |
| inventoryItem itemId = externalId MAT-0001..0040 | Product2.ERP_Material__c; SAP material       |
| inventoryItem basePrice                          | PricebookEntry.UnitPrice; SAP PPR0 price     |
| quantityAvailable, all locations together        | Product2.Available_Quantity__c; plant 1010   |
| itemPricing of 1000001: MAT-0001 at 40.50        | P-1001's own price (both systems)            |

Everything is in EUR, subsidiary 1. 1000049 (order block in S/4HANA) and 1000050 are on credit
hold. Two locations stand for plant 1010 and its second storage
location. Every tenth item is out of stock, every tenth from the fifth is low. Credit limits as in
S/4HANA: 1000003 is close to its limit, and 1000050, blocked in SAP credit management, has a
limit of 0 so that every order is refused. History: the same 12 orders, fulfilled, billed and
paid as in S/4HANA.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import emulator_kit.demo_company as demo
from netsuite_emulator.domain.records import customer, fulfillment, inventory_item, sales_order
from netsuite_emulator.domain.records.common import RecordContext, decimal_text
from netsuite_emulator.domain.records.transactions import touch

LOCATIONS = ((1, "Hamburg Main Warehouse"), (2, "Hamburg Overflow Store"))
TERMS = ((1, "Net 30", 30), (2, "Net 14", 14), (3, "Due on receipt", 0))
# (customer, material index) -> that customer's own price.
CUSTOMER_PRICES = {(1, 0): Decimal("40.50")}


def _credit_limit(index: int) -> Decimal:
    # The last customer, blocked in S/4HANA's credit management, cannot order here either.
    return Decimal(0) if index == demo.CUSTOMER_COUNT else demo.credit_limit(index)


def seed_reference_data(ctx: RecordContext) -> None:
    """The subsidiary, currency, terms and locations every record refers to."""
    store = ctx.store
    store.execute("INSERT INTO subsidiary (id, name) VALUES (1, 'Trivium Industrie GmbH')")
    store.execute("INSERT INTO currency (id, symbol) VALUES (1, 'EUR')")
    for term_id, name, days in TERMS:
        store.execute("INSERT INTO term (id, name, days) VALUES (?, ?, ?)", (term_id, name, days))
    for location_id, name in LOCATIONS:
        store.execute("INSERT INTO location (id, name) VALUES (?, ?)", (location_id, name))


def _seed_items(ctx: RecordContext) -> None:
    for index, material in enumerate(demo.MATERIALS):
        item_id = inventory_item.create(
            ctx,
            {
                "itemId": material,
                "externalId": material,
                "displayName": f"{demo.PRODUCTS[index % len(demo.PRODUCTS)]} {100 + index * 10}",
                "basePrice": str(demo.list_price(index)),
            },
        )
        stock = demo.stock_of(index) + demo.delivered_in_history(index)
        # Larger stocks are split over two locations, as the S/4HANA plant keeps them.
        second = (stock // 3).quantize(Decimal(1)) if stock > 100 else Decimal(0)
        inventory_item.set_on_hand(ctx, item_id=item_id, location_id=1, on_hand=stock - second)
        if second:
            inventory_item.set_on_hand(ctx, item_id=item_id, location_id=2, on_hand=second)


def _seed_customers(ctx: RecordContext) -> None:
    for index in range(1, demo.CUSTOMER_COUNT + 1):
        profile = demo.customer(index)
        number = demo.customer_number(index)
        customer.create(
            ctx,
            {
                "entityId": number,
                "companyName": profile.name,
                "creditLimit": str(_credit_limit(index)),
                # The customers S/4HANA holds (order block, credit block) are on credit hold.
                "creditHoldOverride": "ON" if index >= demo.CUSTOMER_COUNT - 1 else "AUTO",
                "terms": {"id": "1" if index <= len(demo.PARTNERS) else "2"},
                "addressBook": {
                    "items": [
                        {
                            "addressBookAddress": {
                                "addr1": f"{profile.street} {profile.house}",
                                "city": profile.city,
                                "zip": profile.postal,
                                "country": "DE",
                            }
                        }
                    ]
                },
                "itemPricing": {
                    "items": [
                        {"item": {"id": str(item + 1)}, "price": str(price)}
                        for (owner, item), price in CUSTOMER_PRICES.items()
                        if owner == index
                    ]
                },
            },
        )


def _seed_history(ctx: RecordContext, today: date) -> None:
    for owner, days_ago, lines, purchase_order, state in demo.HISTORY:
        ordered = (today - timedelta(days=days_ago)).isoformat()
        done = (today - timedelta(days=max(days_ago - 3, 0))).isoformat()
        order_id = sales_order.create(
            ctx,
            {
                "entity": {"id": str(owner)},
                "tranDate": ordered,
                "otherRefNum": purchase_order or None,
                "item": {"items": [{"item": {"id": str(m + 1)}, "quantity": q} for m, q in lines]},
            },
        )
        if state == "open":
            continue
        fulfillment.create_fulfillment(ctx, {"tranDate": done}, order_id=order_id)
        if state == "delivered":
            continue
        invoice_id = fulfillment.create_invoice(ctx, {"tranDate": done}, order_id=order_id)
        if state == "paid":
            touch(ctx, invoice_id, foreignamountremaining=decimal_text(Decimal(0)), status="B")
        customer.refresh_totals(ctx, owner)


def load_demo_data(ctx: RecordContext) -> None:
    """Fill an empty database with the demo account (one transaction)."""
    seeding = replace(ctx, enforce_credit_limit=False)
    with ctx.store.transaction():
        seed_reference_data(seeding)
        _seed_items(seeding)
        _seed_customers(seeding)
        _seed_history(seeding, seeding.clock().date())
