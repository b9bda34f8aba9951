"""A miniature org for SOQL tests: catalog objects and SQLite tables in the storage convention."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from salesforce_emulator.soql import QueryResult, execute_soql
from salesforce_emulator.soql.ids import id_suffix

NOW = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.UTC)  # a Wednesday
API_VERSION = "62.0"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None


@dataclass(frozen=True)
class Child:
    name: str
    child_object: str
    field: str


@dataclass
class SObject:
    name: str
    prefix: str
    fields: Sequence[Field]
    children: Sequence[Child] = ()
    _by_name: dict[str, Field] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {f.name.lower(): f for f in self.fields}

    def field(self, name: str) -> Field | None:
        return self._by_name.get(name.lower())

    def relationship(self, name: str) -> Field | None:
        wanted = name.lower()
        return next((f for f in self.fields if (f.relationship_name or "").lower() == wanted), None)

    def child_relationship(self, name: str) -> Child | None:
        return next((c for c in self.children if c.name.lower() == name.lower()), None)

    def field_names(self) -> Sequence[str]:
        return [f.name for f in self.fields]


class MiniCatalog:
    def __init__(self, objects: Sequence[SObject]) -> None:
        self.objects = {o.name.lower(): o for o in objects}

    def object(self, name: str) -> SObject | None:
        return self.objects.get(name.lower())


def _ref(name: str, target: str, relationship: str) -> Field:
    return Field(name, "reference", (target,), relationship)


def _system(*, owned: bool = True) -> list[Field]:
    fields = [
        Field("Id", "id"),
        Field("IsDeleted", "boolean"),
        Field("CreatedDate", "datetime"),
        Field("LastModifiedDate", "datetime"),
        Field("SystemModstamp", "datetime"),
        _ref("CreatedById", "User", "CreatedBy"),
        _ref("LastModifiedById", "User", "LastModifiedBy"),
    ]
    if owned:
        fields.append(_ref("OwnerId", "User", "Owner"))
    return fields


def build_catalog() -> MiniCatalog:
    """Account/Contact/Opportunity/Quote/QuoteLineItem/Product2/User with their relationships."""
    return MiniCatalog(
        [
            SObject(
                "User",
                "005",
                [
                    *_system(owned=False),
                    Field("Name", "string"),
                    Field("Email", "email"),
                    _ref("ManagerId", "User", "Manager"),
                ],
            ),
            SObject(
                "Account",
                "001",
                [
                    *_system(),
                    Field("Name", "string"),
                    Field("AccountNumber", "string"),
                    Field("Industry", "picklist"),
                    Field("AnnualRevenue", "currency"),
                    Field("NumberOfEmployees", "int"),
                    _ref("ParentId", "Account", "Parent"),
                    Field("Active__c", "boolean"),
                    Field("SLAExpirationDate__c", "date"),
                    Field("ERP_Customer_Number__c", "string"),
                ],
                [
                    Child("Contacts", "Contact", "AccountId"),
                    Child("Opportunities", "Opportunity", "AccountId"),
                ],
            ),
            SObject(
                "Contact",
                "003",
                [
                    *_system(),
                    _ref("AccountId", "Account", "Account"),
                    Field("FirstName", "string"),
                    Field("LastName", "string"),
                    Field("Email", "email"),
                    Field("Birthdate", "date"),
                ],
            ),
            SObject(
                "Opportunity",
                "006",
                [
                    *_system(),
                    _ref("AccountId", "Account", "Account"),
                    Field("Name", "string"),
                    Field("StageName", "picklist"),
                    Field("Amount", "currency"),
                    Field("CloseDate", "date"),
                ],
                [Child("Quotes", "Quote", "OpportunityId")],
            ),
            SObject(
                "Quote",
                "0Q0",
                [
                    *_system(),
                    _ref("OpportunityId", "Opportunity", "Opportunity"),
                    Field("Name", "string"),
                    Field("Status", "picklist"),
                    Field("GrandTotal", "currency"),
                ],
                [Child("QuoteLineItems", "QuoteLineItem", "QuoteId")],
            ),
            SObject(
                "QuoteLineItem",
                "0QL",
                [
                    *_system(owned=False),
                    _ref("QuoteId", "Quote", "Quote"),
                    _ref("Product2Id", "Product2", "Product2"),
                    Field("Quantity", "double"),
                    Field("UnitPrice", "currency"),
                    Field("Discount", "percent"),
                ],
            ),
            SObject(
                "Product2",
                "01t",
                [
                    *_system(),
                    Field("Name", "string"),
                    Field("ProductCode", "string"),
                    Field("IsActive", "boolean"),
                ],
            ),
        ]
    )


_SQL_TYPES = {"boolean": "INTEGER", "int": "INTEGER", "double": "REAL", "currency": "REAL"}
_SQL_TYPES["percent"] = "REAL"


def create_tables(conn: sqlite3.Connection, catalog: MiniCatalog) -> None:
    """One table per sObject, one column per field, as the emulator core stores them."""
    for obj in catalog.objects.values():
        columns = []
        for f in obj.fields:
            if f.name == "Id":
                columns.append('"Id" TEXT PRIMARY KEY')
            elif f.name == "IsDeleted":
                columns.append('"IsDeleted" INTEGER NOT NULL DEFAULT 0')
            else:
                columns.append(f'"{f.name}" {_SQL_TYPES.get(f.type, "TEXT")}')
        conn.execute(f'CREATE TABLE "{obj.name}" ({", ".join(columns)})')


def make_id(prefix: str, number: int) -> str:
    """An 18-character id with a valid checksum."""
    id15 = f"{prefix}{number:012d}"
    return f"{id15}{id_suffix(id15)}"


def encode(value: Any) -> Any:
    """A Python value in the storage encoding."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class Org:
    """A connection, the catalog and helpers to insert rows and run SOQL at a fixed time."""

    def __init__(self) -> None:
        self.catalog = build_catalog()
        self.conn = sqlite3.connect(":memory:")
        create_tables(self.conn, self.catalog)
        self._numbers = itertools.count(1)

    def insert(self, object_name: str, **values: Any) -> str:
        obj = self.catalog.objects[object_name.lower()]
        row = {"CreatedDate": NOW - dt.timedelta(days=30), **values}
        row.setdefault("Id", make_id(obj.prefix, next(self._numbers)))
        names = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join("?" for _ in row)
        self.conn.execute(
            f'INSERT INTO "{obj.name}" ({names}) VALUES ({marks})',
            [encode(v) for v in row.values()],
        )
        return str(row["Id"])

    def soft_delete(self, object_name: str, record_id: str) -> None:
        self.conn.execute(f'UPDATE "{object_name}" SET "IsDeleted" = 1 WHERE "Id" = ?', [record_id])

    def query(
        self, soql: str, *, include_deleted: bool = False, now: dt.datetime = NOW
    ) -> QueryResult:
        return execute_soql(
            self.conn,
            self.catalog,
            soql,
            api_version=API_VERSION,
            include_deleted=include_deleted,
            now=now,
        )

    def values(self, soql: str, field_name: str = "Name", **kwargs: Any) -> list[Any]:
        return [r[field_name] for r in self.query(soql, **kwargs).records]
