"""The SOQL engine: parse SOQL, compile it to parameterised SQLite SQL, return sObject records."""

from salesforce_emulator.soql.catalog import Catalog, ChildRelationship, FieldInfo, ObjectInfo
from salesforce_emulator.soql.errors import SoqlError
from salesforce_emulator.soql.executor import QueryResult, execute_soql
from salesforce_emulator.soql.ids import normalize_id
from salesforce_emulator.soql.nodes import Select as Query
from salesforce_emulator.soql.parser import parse_soql

__all__ = [
    "Catalog",
    "ChildRelationship",
    "FieldInfo",
    "ObjectInfo",
    "Query",
    "QueryResult",
    "SoqlError",
    "execute_soql",
    "normalize_id",
    "parse_soql",
]
