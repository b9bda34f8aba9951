"""Reading records: one record's JSON with `attributes`, lookups by id or external id."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from salesforce_emulator.domain.errors import bad_request, entity_is_deleted, not_found
from salesforce_emulator.domain.ids import normalize_id
from salesforce_emulator.domain.schema import ObjectDef
from salesforce_emulator.domain.store import fetch_dicts, quote_name
from salesforce_emulator.domain.values import decode_value

PROVIDED_EXTERNAL_ID_MISSING = "Provided external ID field does not exist or is not accessible: {}"


def record_url(base: str, obj: ObjectDef, record_id: str) -> str:
    """`/services/data/v62.0/sobjects/Account/001...` for a data API base path."""
    return f"{base}/sobjects/{obj.name}/{record_id}"


def attributes(base: str, obj: ObjectDef, record_id: str) -> dict[str, str]:
    return {"type": obj.name, "url": record_url(base, obj, record_id)}


def compound_value(obj: ObjectDef, name: str, row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON of a compound address field; null when every component is null."""
    compound = obj.compound_of(name)
    if compound is None or compound.type != "address":
        return None
    value: dict[str, Any] = {key: row.get(field) for key, field in compound.components.items()}
    if all(item is None for item in value.values()):
        return None
    value.update(geocodeAccuracy=None, latitude=None, longitude=None)
    return dict(sorted(value.items()))


def record_json(
    base: str, obj: ObjectDef, row: Mapping[str, Any], *, fields: Sequence[str] | None = None
) -> dict[str, Any]:
    """A stored row in REST's shape: `attributes` first, then fields in describe order."""
    body: dict[str, Any] = {"attributes": attributes(base, obj, row["Id"])}
    wanted = {name.lower() for name in fields} if fields is not None else None
    for item in obj.fields:
        if wanted is None or item.name.lower() in wanted:
            body[item.name] = decode_value(item.type, row.get(item.name))
        compound = obj.compound_of(item.compound) if item.compound else None
        if compound is None or compound.type != "address":
            continue
        is_last_component = list(compound.components.values())[-1] == item.name
        if is_last_component and (wanted is None or compound.name.lower() in wanted):
            body[compound.name] = compound_value(obj, compound.name, row)
    return body


def check_field_list(obj: ObjectDef, fields: Sequence[str]) -> None:
    """400 INVALID_FIELD for a `?fields=` entry the object does not have."""
    for name in fields:
        if obj.field(name) is None and obj.compound_of(name) is None:
            raise bad_request(
                "INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}"
            )


def stored_row(conn: sqlite3.Connection, obj: ObjectDef, record_id: str) -> dict[str, Any] | None:
    """The stored row of an id (deleted too), or None."""
    rows = fetch_dicts(conn, f'SELECT * FROM {quote_name(obj.name)} WHERE "Id" = ?', (record_id,))
    return rows[0] if rows else None


def live_row_or_raise(conn: sqlite3.Connection, obj: ObjectDef, raw_id: str) -> dict[str, Any]:
    """The live row of `raw_id`: 404 NOT_FOUND if unknown, 404 ENTITY_IS_DELETED if deleted."""
    record_id = normalize_id(raw_id)
    if record_id is None or not record_id.startswith(obj.key_prefix):
        raise not_found()
    row = stored_row(conn, obj, record_id)
    if row is None:
        raise not_found()
    if row["IsDeleted"]:
        raise entity_is_deleted()
    return row


def rows_by_external_id(
    conn: sqlite3.Connection, obj: ObjectDef, field_name: str, value: str
) -> list[dict[str, Any]]:
    """Live rows whose external id field equals `value`; 404 when the field is not one."""
    item = obj.field(field_name)
    if item is None or not (item.external_id or item.id_lookup):
        raise not_found(PROVIDED_EXTERNAL_ID_MISSING.format(field_name))
    return fetch_dicts(
        conn,
        f"SELECT * FROM {quote_name(obj.name)} WHERE {quote_name(item.name)} = ? COLLATE NOCASE "
        'AND "IsDeleted" = 0 ORDER BY "Id"',
        (value,),
    )


def changed_between(
    conn: sqlite3.Connection, obj: ObjectDef, *, start: str, end: str, deleted: bool
) -> list[dict[str, Any]]:
    """Ids (and deletion dates) of records changed or deleted in [start, end]."""
    return fetch_dicts(
        conn,
        f'SELECT "Id", "SystemModstamp" FROM {quote_name(obj.name)} '
        'WHERE "SystemModstamp" >= ? AND "SystemModstamp" <= ? AND "IsDeleted" = ? ORDER BY "Id"',
        (start, end, int(deleted)),
    )


def recent_items(
    conn: sqlite3.Connection, base: str, obj: ObjectDef, *, limit: int = 5
) -> list[dict[str, Any]]:
    """The most recently changed live records (Id and name), as basic info lists them."""
    name_field = next((item.name for item in obj.fields if item.name_field), None)
    columns = '"Id"' + (f", {quote_name(name_field)}" if name_field else "")
    rows = fetch_dicts(
        conn,
        f'SELECT {columns} FROM {quote_name(obj.name)} WHERE "IsDeleted" = 0 '
        'ORDER BY "SystemModstamp" DESC, "Id" DESC LIMIT ?',
        (limit,),
    )
    return [{"attributes": attributes(base, obj, row["Id"]), **row} for row in rows]
