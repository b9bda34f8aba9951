"""The SuiteQL tables the account exposes, their columns, and how BUILTIN.DF shows them."""

from __future__ import annotations

from dataclasses import dataclass, field

from netsuite_emulator.domain import business


@dataclass(frozen=True)
class Lookup:
    """BUILTIN.DF of a foreign key: a column of the referenced row."""

    table: str
    column: str


@dataclass(frozen=True)
class Column:
    numeric: bool = False
    display: Lookup | None = None
    # A value every row has (columns real NetSuite has and the emulator does not vary).
    constant: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, Column] = field(default_factory=dict)


TEXT, NUMBER = Column(), Column(numeric=True)
CUSTOMER, ITEM, LOCATION = (
    Lookup("customer", "companyname"),
    Lookup("item", "itemid"),
    Lookup("location", "name"),
)
CURRENCY, TERM, SUBSIDIARY = (
    Lookup("currency", "symbol"),
    Lookup("term", "name"),
    Lookup("subsidiary", "name"),
)

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table(
            "customer",
            {
                "id": NUMBER,
                "externalid": TEXT,
                "entityid": TEXT,
                "companyname": TEXT,
                "email": TEXT,
                "phone": TEXT,
                "url": TEXT,
                "defaultaddress": TEXT,
                "defaultbillingaddress": NUMBER,
                "defaultshippingaddress": NUMBER,
                "creditlimit": NUMBER,
                "balance": NUMBER,
                "overduebalance": NUMBER,
                "unbilledorders": NUMBER,
                "terms": Column(numeric=True, display=TERM),
                "currency": Column(numeric=True, display=CURRENCY),
                "subsidiary": Column(numeric=True, display=SUBSIDIARY),
                "isinactive": TEXT,
                "vatregnumber": TEXT,
                "creditholdoverride": TEXT,
                "datecreated": TEXT,
                "lastmodifieddate": TEXT,
            },
        ),
        Table(
            "entityaddress",
            {
                "nkey": NUMBER,
                "addr1": TEXT,
                "city": TEXT,
                "zip": TEXT,
                "country": TEXT,
                "addrtext": TEXT,
                "lastmodifieddate": TEXT,
            },
        ),
        Table(
            "customeraddressbook",
            {
                "entity": Column(numeric=True, display=CUSTOMER),
                "internalid": NUMBER,
                "addressbookaddress": NUMBER,
                "defaultbilling": TEXT,
                "defaultshipping": TEXT,
                "label": TEXT,
            },
        ),
        Table(
            "item",
            {
                "id": NUMBER,
                "externalid": TEXT,
                "itemid": TEXT,
                "displayname": TEXT,
                "description": TEXT,
                "itemtype": TEXT,
                "baseprice": NUMBER,
                "isinactive": TEXT,
                "datecreated": TEXT,
                "lastmodifieddate": TEXT,
            },
        ),
        Table(
            "inventoryitemlocations",
            {
                "item": Column(numeric=True, display=ITEM),
                "location": Column(numeric=True, display=LOCATION),
                "quantityonhand": NUMBER,
                "quantitycommitted": NUMBER,
                "quantityavailable": NUMBER,
                "quantityonorder": NUMBER,
            },
        ),
        Table(
            "customeritempricing",
            {
                "customer": Column(numeric=True, display=CUSTOMER),
                "item": Column(numeric=True, display=ITEM),
                "price": NUMBER,
            },
        ),
        Table(
            "transaction",
            {
                "id": NUMBER,
                "type": TEXT,
                "tranid": TEXT,
                "externalid": TEXT,
                "entity": Column(numeric=True, display=CUSTOMER),
                "trandate": TEXT,
                "shipdate": TEXT,
                "duedate": TEXT,
                "status": TEXT,
                "otherrefnum": TEXT,
                "memo": TEXT,
                "createdfrom": Column(numeric=True, display=Lookup("transaction", "tranid")),
                "currency": Column(numeric=True, display=CURRENCY),
                "foreigntotal": NUMBER,
                "foreignamountremaining": NUMBER,
                "createddate": TEXT,
                "lastmodifieddate": TEXT,
            },
        ),
        Table(
            "transactionline",
            {
                "transaction": Column(numeric=True, display=Lookup("transaction", "tranid")),
                "id": NUMBER,
                "linesequencenumber": NUMBER,
                "item": Column(numeric=True, display=ITEM),
                "quantity": NUMBER,
                "rate": NUMBER,
                "amount": NUMBER,
                "location": Column(numeric=True, display=LOCATION),
                "quantityshiprecv": NUMBER,
                "quantitybilled": NUMBER,
                "orderline": NUMBER,
                "description": TEXT,
                # The emulator keeps no header or tax lines: every line is an item line.
                "mainline": Column(constant="F"),
                "taxline": Column(constant="F"),
            },
        ),
        Table("location", {"id": NUMBER, "name": TEXT}),
        Table("currency", {"id": NUMBER, "symbol": TEXT}),
        Table("subsidiary", {"id": NUMBER, "name": TEXT}),
        Table("term", {"id": NUMBER, "name": TEXT}),
    )
}

# BUILTIN.DF(transaction.status): the status name by transaction type and code.
STATUS_NAMES: dict[tuple[str, str], str] = {
    **{
        ("SalesOrd", code): f"Sales Order : {name}"
        for code, name in business.SALES_ORDER_STATUSES.items()
    },
    **{("CustInvc", code): f"Invoice : {name}" for code, name in business.INVOICE_STATUSES.items()},
    **{
        ("ItemShip", code): f"Item Fulfillment : {name}"
        for code, name in business.FULFILLMENT_STATUSES.items()
    },
}
TYPE_NAMES = {"SalesOrd": "Sales Order", "CustInvc": "Invoice", "ItemShip": "Item Fulfillment"}
