"""The demo company every emulator holds, each in its own backend's shape.

The Salesforce org, the S/4HANA system and the NetSuite account describe one business: three
partner customers (accounts P-1001..P-1003, ERP customers 1000001..1000003), 47 customers the
ERP alone knows (..1000050), 40 materials MAT-0001..MAT-0040 with one list price and one stock
level everywhere, and the same 12 past orders. Each emulator's seed module maps these facts onto
its records; keeping the facts here is what keeps the three seeds in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DemoCustomer:
    """A customer's name and postal address; `account_number` is set for partners only."""

    name: str
    account_number: str
    city: str
    postal: str
    street: str
    house: str


_STREET = "Industriestraße"
PARTNERS = (
    DemoCustomer("Nordwind Industrietechnik GmbH", "P-1001", "Hamburg", "20095", _STREET, "1"),
    DemoCustomer("Alpen Anlagenbau AG", "P-1002", "München", "80331", _STREET, "2"),
    DemoCustomer("Rhein Fluid Systems GmbH", "P-1003", "Köln", "50667", _STREET, "3"),
)
_OWNERS = (
    "Ammersee", "Bodensee", "Chiemsee", "Donau", "Eifel", "Fichtel", "Harz", "Inn", "Kaiserstuhl",
    "Lahn", "Mosel", "Neckar", "Odenwald", "Pfalz", "Rhön", "Spessart", "Taunus", "Unstrut",
)  # fmt: skip
_TRADES = ("Armaturen GmbH", "Pumpentechnik AG", "Anlagenservice GmbH", "Industriebedarf KG")
_CITIES = (
    ("Berlin", "10115"), ("Frankfurt am Main", "60311"), ("Stuttgart", "70173"),
    ("Düsseldorf", "40213"), ("Leipzig", "04109"), ("Dresden", "01067"), ("Hannover", "30159"),
    ("Nürnberg", "90402"), ("Bremen", "28195"), ("Essen", "45127"),
)  # fmt: skip
PRODUCTS = (
    "Centrifugal Pump", "Gate Valve", "Ball Valve", "Pressure Sensor", "Flow Meter",
    "Control Unit", "Gear Motor", "Shaft Seal", "Filter Cartridge", "Service Kit",
)  # fmt: skip
MATERIALS = tuple(f"MAT-{number:04d}" for number in range(1, 41))
CUSTOMER_COUNT = 50
PARTNER_LIMITS = (Decimal(250_000), Decimal(150_000), Decimal(20_000))
# (customer, days ago, [(material index, quantity)], purchase order, state)
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
    """The ERP customer number of customer `index` (1-based)."""
    return str(1_000_000 + index)


def customer(index: int) -> DemoCustomer:
    """Customer `index` (1-based): a partner, or one of the customers only the ERP knows."""
    if index <= len(PARTNERS):
        return PARTNERS[index - 1]
    n = index - len(PARTNERS) - 1
    city, postal = _CITIES[n % len(_CITIES)]
    name = f"{_OWNERS[n % len(_OWNERS)]} {_TRADES[n % len(_TRADES)]}"
    if n >= len(_OWNERS):
        name = f"{name} {city}"
    return DemoCustomer(name, "", city, postal, "Hauptstraße", str(10 + n))


def credit_limit(index: int) -> Decimal:
    """The credit limit of customer `index` in EUR; how the last one is stopped from ordering
    (a block, or a limit of 0) is each ERP's own."""
    if index <= len(PARTNERS):
        return PARTNER_LIMITS[index - 1]
    return Decimal(10_000 + (index * 7_919) % 90_000)


def list_price(index: int) -> Decimal:
    """The EUR list price of MAT-<index+1> (the same in all three demo systems)."""
    return Decimal(45 + (index * 37) % 955) + Decimal("0.50") * (index % 2)


def stock_of(index: int) -> Decimal:
    """What is available of MAT-<index+1> once the history is delivered: every tenth material is
    out of stock, every tenth from the fifth is low."""
    number = index + 1
    if number % 10 == 0:
        return Decimal(0)
    if number % 10 == 5:
        return Decimal(3 + number % 7)
    return Decimal(60 + (index * 53) % 440)


def delivered_in_history(index: int) -> Decimal:
    """How much of MAT-<index+1> the past orders took out of stock."""
    return Decimal(
        sum(
            quantity
            for _, _, lines, _, state in HISTORY
            if state != "open"
            for material, quantity in lines
            if material == index
        )
    )
