"""The deterministic demo org: accounts, contacts, products with prices, opportunities, quotes.

Loaded into an empty org, it always gets the same ids (ids count up from 1 per key prefix).
It describes the same company as the S/4HANA emulator's demo system, through these keys:

| Salesforce                                   | S/4HANA                                   |
|----------------------------------------------|-------------------------------------------|
| Account AccountNumber P-1001, P-1002, P-1003 | partner accounts of the partner portal    |
| Account.ERP_Customer_Number__c 1000001..03   | BusinessPartner / Customer 1000001..1000003 |
| Product2.ERP_Material__c MAT-0001..MAT-0040  | Product (material) MAT-0001..MAT-0040     |
| PricebookEntry.UnitPrice (standard book)     | the material's list price (PPR0)          |
| Product2.Available_Quantity__c               | unrestricted stock at plant 1010          |

Only the three partner accounts carry an ERP customer number; the other 47 accounts are
prospects and customers that exist in Salesforce only until the create-customer flow links them.

Two demo sales reps own accounts (the mobile app shows a rep the accounts they own):
anna.becker@trivium.demo owns P-1001, P-1002 and C-2001..C-2018; lukas.schmidt@trivium.demo owns
P-1003 and C-2019..C-2030; the integration user owns the rest.

The accepted quotes (`DEMO_QUOTES`, ids 0Q0000000000001CAA.. in that order) are priced as the ERP
prices them for their customer, so each can become an order; a few are deliberately not
orderable, each for one reason the order flow refuses (`refusal`), so that every refusal can be
seen on demo data too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from emulator_kit.demo_company import MATERIALS, PRODUCTS, list_price, stock_of
from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.dml import insert_records
from salesforce_emulator.domain.objects import PRODUCT_FAMILIES
from salesforce_emulator.domain.org import Org
from salesforce_emulator.domain.persist import insert_rows, stamp_create
from salesforce_emulator.domain.rules import standard_pricebook_id
from salesforce_emulator.domain.store import quote_name

PARTNERS = (
    ("Nordwind Industrietechnik GmbH", "P-1001", "1000001", "Hamburg", "20095", "Machinery"),
    ("Alpen Anlagenbau AG", "P-1002", "1000002", "München", "80331", "Engineering"),
    ("Rhein Fluid Systems GmbH", "P-1003", "1000003", "Köln", "50667", "Manufacturing"),
)
PARTNER_CUSTOMER_NUMBERS = tuple(partner[2] for partner in PARTNERS)
# The partners' credit limits and payment terms as the ERP holds them (it owns both fields).
PARTNER_CREDIT = ((250_000.0, "0004"), (150_000.0, "0004"), (20_000.0, "0004"))
SALES_REPS = (
    ("anna.becker@trivium.demo", "Anna", "Becker", "abeck"),
    ("lukas.schmidt@trivium.demo", "Lukas", "Schmidt", "lschm"),
)
REP_ACCOUNTS: dict[str, tuple[str, ...]] = {
    "anna.becker@trivium.demo": ("P-1001", "P-1002", *(f"C-{n}" for n in range(2001, 2019))),
    "lukas.schmidt@trivium.demo": ("P-1003", *(f"C-{n}" for n in range(2019, 2031))),
}
_PREFIXES = (
    "Adler", "Berg", "Delta", "Elbe", "Falken", "Granit", "Hansa", "Isar", "Jura", "Kompass",
    "Linden", "Main", "Nova", "Oder", "Polar", "Quelle", "Ruhr", "Saale", "Tauber", "Uhland",
    "Vulkan", "Weser", "Zenit",
)  # fmt: skip
_SUFFIXES = ("Maschinenbau GmbH", "Logistik AG", "Energie GmbH", "Chemie KG", "Werke GmbH")
_CITIES = (
    ("Berlin", "10115"), ("Frankfurt am Main", "60311"), ("Stuttgart", "70173"),
    ("Düsseldorf", "40213"), ("Leipzig", "04109"), ("Dresden", "01067"), ("Hannover", "30159"),
    ("Nürnberg", "90402"), ("Bremen", "28195"), ("Essen", "45127"),
)  # fmt: skip
_INDUSTRIES = ("Manufacturing", "Energy", "Chemicals", "Transportation", "Utilities", "Machinery")
_FIRST_NAMES = (
    "Anna",
    "Lukas",
    "Marie",
    "Felix",
    "Sophie",
    "Jonas",
    "Lena",
    "Paul",
    "Laura",
    "Max",
)
_LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann",
    "Schulz", "Koch", "Richter",
)  # fmt: skip
# The ERP's price of a material for one customer, where it differs from the list price.
CUSTOMER_PRICES = {("P-1001", "MAT-0001"): Decimal("40.50")}


@dataclass(frozen=True)
class DemoLine:
    material: str
    quantity: int
    # The quoted unit price; the customer's ERP price when None.
    unit_price: Decimal | None = None
    discount_percent: float | None = None


@dataclass(frozen=True)
class DemoQuote:
    name: str
    account_number: str
    lines: tuple[DemoLine, ...]
    # Days until it expires (negative: expired that many days ago).
    expires_in_days: int = 60
    # The problem type the order flow answers, or None for a quote that becomes an order.
    refusal: str | None = None


DEMO_QUOTES = (
    DemoQuote("Quote 01", "P-1001", (
        DemoLine("MAT-0001", 4, discount_percent=5.0), DemoLine("MAT-0002", 6),
        DemoLine("MAT-0003", 2),
    )),
    DemoQuote("Quote 02", "P-1002", (DemoLine("MAT-0004", 3), DemoLine("MAT-0006", 2))),
    DemoQuote("Quote 03", "P-1003", (DemoLine("MAT-0003", 4), DemoLine("MAT-0027", 2))),
    DemoQuote("Quote 04", "P-1001", (
        DemoLine("MAT-0008", 5, discount_percent=3.0), DemoLine("MAT-0011", 2),
        DemoLine("MAT-0031", 10), DemoLine("MAT-0036", 1),
    )),
    DemoQuote("Quote 05", "P-1002", (DemoLine("MAT-0003", 4),), expires_in_days=-10,
              refusal="quote-expired"),
    DemoQuote("Quote 06", "P-1002", (DemoLine("MAT-0024", 200),), refusal="credit-limit-exceeded"),
    DemoQuote("Quote 07", "P-1001", (DemoLine("MAT-0002", 2), DemoLine("MAT-0010", 5)),
              refusal="insufficient-stock"),
    DemoQuote("Quote 08", "P-1001", (DemoLine("MAT-0007", 3, unit_price=Decimal("240.00")),),
              refusal="price-mismatch"),
)  # fmt: skip
_OPEN_STAGES = (
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Proposal/Price Quote",
    "Negotiation/Review",
)  # fmt: skip


def _accounts() -> list[dict[str, Any]]:
    accounts: list[dict[str, Any]] = [
        {
            "Name": name, "AccountNumber": number, "ERP_Customer_Number__c": erp,
            "Type": "Channel Partner / Reseller", "Industry": industry, "BillingCity": city,
            "BillingPostalCode": postal, "BillingCountry": "Germany",
            "BillingStreet": f"Industriestraße {index + 1}", "Phone": f"+49 40 5550{index + 1:03d}",
            "Website": f"https://www.{number.lower()}.example", "Rating": "Hot",
            "ERP_Credit_Limit__c": PARTNER_CREDIT[index][0],
            "ERP_Payment_Terms__c": PARTNER_CREDIT[index][1],
        }
        for index, (name, number, erp, city, postal, industry) in enumerate(PARTNERS)
    ]  # fmt: skip
    for index in range(47):
        city, postal = _CITIES[index % len(_CITIES)]
        name = f"{_PREFIXES[index % len(_PREFIXES)]} {_SUFFIXES[index % len(_SUFFIXES)]}"
        if index >= len(_PREFIXES):
            name = f"{name} {city}"
        accounts.append(
            {
                "Name": name, "AccountNumber": f"C-{2001 + index}",
                "Type": "Customer - Direct" if index % 3 else "Prospect",
                "Industry": _INDUSTRIES[index % len(_INDUSTRIES)], "BillingCity": city,
                "BillingPostalCode": postal, "BillingCountry": "Germany",
                "BillingStreet": f"Hauptstraße {10 + index}", "Phone": f"+49 30 5551{index:03d}",
                "NumberOfEmployees": 50 + index * 25,
            }
        )  # fmt: skip
    return accounts


def _contacts(account_ids: list[str]) -> list[dict[str, Any]]:
    contacts = []
    for index, account_id in enumerate(account_ids):
        for offset in range(2):
            number = index * 2 + offset
            first = _FIRST_NAMES[number % len(_FIRST_NAMES)]
            last = _LAST_NAMES[number % len(_LAST_NAMES)]
            contacts.append(
                {
                    "AccountId": account_id, "FirstName": first, "LastName": last,
                    "Title": "Purchasing Manager" if offset == 0 else "Technical Lead",
                    "Email": f"{first}.{last}.{number}@customer.example".lower()
                    .replace("ü", "ue").replace("ö", "oe"),
                    "Phone": f"+49 30 7000{number:03d}",
                }
            )  # fmt: skip
    return contacts


def _products() -> list[dict[str, Any]]:
    return [
        {
            "Name": f"{PRODUCTS[index % len(PRODUCTS)]} {100 + index * 10}",
            "ProductCode": material, "ERP_Material__c": material, "IsActive": True,
            "Family": PRODUCT_FAMILIES[index % len(PRODUCT_FAMILIES)],
            "QuantityUnitOfMeasure": "Each" if index % 4 else "Piece",
            "Available_Quantity__c": float(stock_of(index)),
            "ERP_List_Price__c": float(list_price(index)),
            "Description": f"Demo material {material}",
        }
        for index, material in enumerate(MATERIALS)
    ]  # fmt: skip


def _ensure_sales_reps(org: Org, ctx: WriteContext) -> dict[str, str]:
    """The demo reps' user ids by username, created when missing (User is read-only via the API)."""
    obj = org.object_or_raise("User")
    ids: dict[str, str] = {}
    with org.store.transaction() as conn:
        for username, first, last, alias in SALES_REPS:
            row = conn.execute(
                f'SELECT "Id" FROM {quote_name("User")} WHERE "Username" = ? COLLATE NOCASE',
                (username,),
            ).fetchone()
            if row is not None:
                ids[username] = row[0]
                continue
            user_id = org.ids.new_id(obj.key_prefix)
            values = {
                "Username": username, "FirstName": first, "LastName": last,
                "Name": f"{first} {last}", "Alias": alias, "Email": username, "IsActive": 1,
            }  # fmt: skip
            stamp_create(obj, values, record_id=user_id, ctx=ctx)
            insert_rows(conn, obj, [values])
            ids[username] = user_id
    return ids


def _assign_owners(accounts: list[dict[str, Any]], reps: dict[str, str]) -> None:
    owners = {number: reps[rep] for rep, numbers in REP_ACCOUNTS.items() for number in numbers}
    for account in accounts:
        owner = owners.get(account["AccountNumber"])
        if owner is not None:
            account["OwnerId"] = owner


def quoted_price(account_number: str, line: DemoLine) -> Decimal:
    """A demo quote line's unit price: as given, else what the ERP charges that customer."""
    if line.unit_price is not None:
        return line.unit_price
    own = CUSTOMER_PRICES.get((account_number, line.material))
    return own if own is not None else list_price(MATERIALS.index(line.material))


def _insert(org: Org, ctx: WriteContext, name: str, bodies: list[dict[str, Any]]) -> list[str]:
    with org.store.transaction() as conn:
        results = insert_records(conn, org, org.object_or_raise(name), bodies, ctx)
    failures = [result.errors for result in results if not result.success]
    if failures:
        raise RuntimeError(f"demo seed of {name} failed: {failures[:3]}")
    return [result.id for result in results if result.id]


def seed_demo_data(org: Org, ctx: WriteContext, *, today: date | None = None) -> dict[str, int]:
    """Load the demo data set; returns how many records of each object were created."""
    ctx = WriteContext(ctx.user_id, ctx.origin, clock=ctx.clock, publish_events=False)
    day = today or ctx.now().date()
    with org.store.reading() as conn:
        book = standard_pricebook_id(conn)
    if book is None:
        raise RuntimeError("the standard price book must exist before seeding")
    account_rows = _accounts()
    _assign_owners(account_rows, _ensure_sales_reps(org, ctx))
    accounts = _insert(org, ctx, "Account", account_rows)
    contacts = _insert(org, ctx, "Contact", _contacts(accounts))
    products = _insert(org, ctx, "Product2", _products())
    entries = _insert(
        org, ctx, "PricebookEntry",
        [
            {"Pricebook2Id": book, "Product2Id": product, "UnitPrice": float(list_price(index)),
             "IsActive": True}
            for index, product in enumerate(products)
        ],
    )  # fmt: skip
    opportunities = _insert(
        org, ctx, "Opportunity",
        [
            {"Name": f"Opportunity {index + 1:02d}", "AccountId": accounts[index % 12],
             "StageName": _OPEN_STAGES[index % len(_OPEN_STAGES)],
             "CloseDate": (day + timedelta(days=30 + index * 7)).isoformat(),
             "Pricebook2Id": book, "Amount": 5000.0 + index * 750}
            for index in range(20)
        ],
    )  # fmt: skip
    numbers = [row["AccountNumber"] for row in account_rows]
    quotes, quote_lines = _insert_quotes(
        org, ctx, book=book, day=day,
        accounts={number: (accounts[i], contacts[i * 2]) for i, number in enumerate(numbers)},
        entries=dict(zip(MATERIALS, entries, strict=True)),
    )  # fmt: skip
    return {
        "Account": len(accounts), "Contact": len(contacts), "Product2": len(products),
        "PricebookEntry": len(entries), "Opportunity": len(opportunities) + len(quotes),
        "Quote": len(quotes), "QuoteLineItem": len(quote_lines),
    }  # fmt: skip


def _insert_quotes(
    org: Org,
    ctx: WriteContext,
    *,
    book: str,
    day: date,
    accounts: dict[str, tuple[str, str]],
    entries: dict[str, str],
) -> tuple[list[str], list[str]]:
    """Each demo quote, accepted, on an opportunity of its own; (quote ids, line ids)."""
    opportunities = _insert(
        org, ctx, "Opportunity",
        [
            {"Name": f"{quote.account_number} {quote.name}",
             "AccountId": accounts[quote.account_number][0], "StageName": "Negotiation/Review",
             "CloseDate": (day + timedelta(days=14)).isoformat(), "Pricebook2Id": book}
            for quote in DEMO_QUOTES
        ],
    )  # fmt: skip
    quotes = _insert(
        org, ctx, "Quote",
        [
            {"Name": quote.name, "OpportunityId": opportunity, "Status": "Accepted",
             "Pricebook2Id": book, "ContactId": accounts[quote.account_number][1],
             "ExpirationDate": (day + timedelta(days=quote.expires_in_days)).isoformat(),
             "ShippingHandling": 49.0, "Tax": 0.0}
            for quote, opportunity in zip(DEMO_QUOTES, opportunities, strict=True)
        ],
    )  # fmt: skip
    lines = _insert(
        org, ctx, "QuoteLineItem",
        [
            {"QuoteId": quote_id, "PricebookEntryId": entries[line.material],
             "Quantity": float(line.quantity),
             "UnitPrice": float(quoted_price(quote.account_number, line)),
             "Discount": line.discount_percent}
            for quote, quote_id in zip(DEMO_QUOTES, quotes, strict=True)
            for line in quote.lines
        ],
    )  # fmt: skip
    return quotes, lines


def is_empty(org: Org) -> bool:
    """True when the org holds no business records yet (only its user and price book)."""
    with org.store.reading() as conn:
        return not any(
            conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone()
            for name in ("Account", "Product2", "Opportunity")
        )
