"""The deterministic demo account: customers, items with stock and prices, credit, history.

Loaded into an empty database it always holds the same records (internal ids count up from 1;
dates are relative to the day of loading). It describes the same company as the Salesforce
emulator's demo org and the S/4HANA emulator's demo system:

| NetSuite                                         | Salesforce / S/4HANA                         |
|--------------------------------------------------|----------------------------------------------|
| customer externalId = entityId 1000001..1000003  | Account.ERP_Customer_Number__c 1000001..03   |
| (internal ids 1..3)                              | (AccountNumber P-1001..P-1003); SAP partner  |
| customer 1000004..1000050                        | ERP-only customers, as in S/4HANA            |
| inventoryItem itemId = externalId MAT-0001..0040 | Product2.ERP_Material__c; SAP material       |
| inventoryItem basePrice                          | PricebookEntry.UnitPrice; SAP PPR0 price     |
| quantityAvailable, all locations together        | Product2.Available_Quantity__c; plant 1010   |
| itemPricing of 1000001: MAT-0001 at 40.50        | P-1001's own price (both systems)            |

Everything is in EUR, subsidiary 1. Two locations stand for plant 1010 and its second storage
location. Every tenth item is out of stock, every tenth from the fifth is low. Credit limits as in
S/4HANA: 1000003 is close to its limit, and 1000050, blocked in SAP credit management, has a
limit of 0 so that every order is refused. History: the same 12 orders, fulfilled, billed and
paid as in S/4HANA.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from netsuite_emulator.domain.records import customer, fulfillment, inventory_item, sales_order
from netsuite_emulator.domain.records.common import RecordContext, decimal_text
from netsuite_emulator.domain.records.transactions import touch

PARTNERS = (
    ("Nordwind Industrietechnik GmbH", "Hamburg", "20095", "Industriestraße 1"),
    ("Alpen Anlagenbau AG", "München", "80331", "Industriestraße 2"),
    ("Rhein Fluid Systems GmbH", "Köln", "50667", "Industriestraße 3"),
)
_OWNERS = (
    "Ammersee",
    "Bodensee",
    "Chiemsee",
    "Donau",
    "Eifel",
    "Fichtel",
    "Harz",
    "Inn",
    "Kaiserstuhl",
    "Lahn",
    "Mosel",
    "Neckar",
    "Odenwald",
    "Pfalz",
    "Rhön",
    "Spessart",
    "Taunus",
    "Unstrut",
)
_TRADES = ("Armaturen GmbH", "Pumpentechnik AG", "Anlagenservice GmbH", "Industriebedarf KG")
_CITIES = (
    ("Berlin", "10115"),
    ("Frankfurt am Main", "60311"),
    ("Stuttgart", "70173"),
    ("Düsseldorf", "40213"),
    ("Leipzig", "04109"),
    ("Dresden", "01067"),
    ("Hannover", "30159"),
    ("Nürnberg", "90402"),
    ("Bremen", "28195"),
    ("Essen", "45127"),
)
PRODUCTS = (
    "Centrifugal Pump",
    "Gate Valve",
    "Ball Valve",
    "Pressure Sensor",
    "Flow Meter",
    "Control Unit",
    "Gear Motor",
    "Shaft Seal",
    "Filter Cartridge",
    "Service Kit",
)
MATERIALS = tuple(f"MAT-{number:04d}" for number in range(1, 41))
CUSTOMER_COUNT = 50
PARTNER_LIMITS = (Decimal(250_000), Decimal(150_000), Decimal(20_000))
CUSTOMER_PRICES = {(1, 0): Decimal("40.50")}
LOCATIONS = ((1, "Hamburg Main Warehouse"), (2, "Hamburg Overflow Store"))
TERMS = ((1, "Net 30", 30), (2, "Net 14", 14), (3, "Due on receipt", 0))
# (customer, days ago, [(material index, quantity)], purchase order, state) — as in S/4HANA.
HISTORY = (
    (1, 60, [(0, 4), (3, 10)], "NW-2024-0007", "paid"),
    (1, 35, [(1, 12)], "NW-2024-0011", "billed"),
    (1, 6, [(6, 2), (8, 25)], "NW-2024-0019", "delivered"),
    (2, 50, [(2, 30)], "AA-PO-5510", "paid"),
    (2, 20, [(11, 3), (12, 6)], "AA-PO-5561", "billed"),
    (2, 3, [(13, 8)], "AA-PO-5590", "open"),
    (3, 40, [(0, 20), (4, 2)], "RFS-88120", "billed"),
    (3, 12, [(16, 20)], "RFS-88174", "billed"),
    (4, 30, [(21, 5)], "", "paid"),
    (7, 25, [(22, 15)], "", "billed"),
    (9, 8, [(26, 4)], "", "delivered"),
    (12, 2, [(31, 9)], "", "open"),
)


def customer_number(index: int) -> str:
    return str(1_000_000 + index)


def list_price(index: int) -> Decimal:
    """The EUR list price of MAT-<index+1> (the same in all three demo systems)."""
    return Decimal(45 + (index * 37) % 955) + Decimal("0.50") * (index % 2)


def stock_of(index: int) -> Decimal:
    """What is available of MAT-<index+1> once the history is fulfilled."""
    number = index + 1
    if number % 10 == 0:
        return Decimal(0)
    if number % 10 == 5:
        return Decimal(3 + number % 7)
    return Decimal(60 + (index * 53) % 440)


def _profile(index: int) -> tuple[str, str, str, str]:
    if index <= len(PARTNERS):
        return PARTNERS[index - 1]
    n = index - len(PARTNERS) - 1
    city, postal = _CITIES[n % len(_CITIES)]
    name = f"{_OWNERS[n % len(_OWNERS)]} {_TRADES[n % len(_TRADES)]}"
    if n >= len(_OWNERS):
        name = f"{name} {city}"
    return name, city, postal, f"Hauptstraße {10 + n}"


def _credit_limit(index: int) -> Decimal:
    if index <= len(PARTNERS):
        return PARTNER_LIMITS[index - 1]
    return Decimal(0) if index == CUSTOMER_COUNT else Decimal(10_000 + (index * 7_919) % 90_000)


def _seed_reference_data(ctx: RecordContext) -> None:
    store = ctx.store
    store.execute("INSERT INTO subsidiary (id, name) VALUES (1, 'Trivium Industrie GmbH')")
    store.execute("INSERT INTO currency (id, symbol) VALUES (1, 'EUR')")
    for term_id, name, days in TERMS:
        store.execute("INSERT INTO term (id, name, days) VALUES (?, ?, ?)", (term_id, name, days))
    for location_id, name in LOCATIONS:
        store.execute("INSERT INTO location (id, name) VALUES (?, ?)", (location_id, name))


def _delivered_in_history(index: int) -> Decimal:
    return Decimal(
        sum(
            quantity
            for _, _, lines, _, state in HISTORY
            if state != "open"
            for material, quantity in lines
            if material == index
        )
    )


def _seed_items(ctx: RecordContext) -> None:
    for index, material in enumerate(MATERIALS):
        item_id = inventory_item.create(
            ctx,
            {
                "itemId": material,
                "externalId": material,
                "displayName": f"{PRODUCTS[index % len(PRODUCTS)]} {100 + index * 10}",
                "basePrice": str(list_price(index)),
            },
        )
        stock = stock_of(index) + _delivered_in_history(index)
        # Larger stocks are split over two locations, as the S/4HANA plant keeps them.
        second = (stock // 3).quantize(Decimal(1)) if stock > 100 else Decimal(0)
        inventory_item.set_on_hand(ctx, item_id=item_id, location_id=1, on_hand=stock - second)
        if second:
            inventory_item.set_on_hand(ctx, item_id=item_id, location_id=2, on_hand=second)


def _seed_customers(ctx: RecordContext) -> None:
    for index in range(1, CUSTOMER_COUNT + 1):
        name, city, postal, street = _profile(index)
        number = customer_number(index)
        customer.create(
            ctx,
            {
                "externalId": number,
                "entityId": number,
                "companyName": name,
                "creditLimit": str(_credit_limit(index)),
                "terms": {"id": "1" if index <= len(PARTNERS) else "2"},
                "addressBook": {
                    "items": [
                        {
                            "addressBookAddress": {
                                "addr1": street,
                                "city": city,
                                "zip": postal,
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
    for owner, days_ago, lines, purchase_order, state in HISTORY:
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
        _seed_reference_data(seeding)
        _seed_items(seeding)
        _seed_customers(seeding)
        _seed_history(seeding, seeding.clock().date())
