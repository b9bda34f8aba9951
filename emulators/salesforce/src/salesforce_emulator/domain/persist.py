"""Rows in and out of an sObject's table, and the audit fields every write stamps."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.schema import ObjectDef
from salesforce_emulator.domain.store import quote_name
from salesforce_emulator.domain.values import format_datetime


def stamp_create(
    obj: ObjectDef, values: dict[str, Any], *, record_id: str, ctx: WriteContext
) -> None:
    """Id, IsDeleted, owner and audit fields of a new record."""
    moment = format_datetime(ctx.now())
    values["Id"] = record_id
    values["IsDeleted"] = 0
    if obj.field("OwnerId") is not None and values.get("OwnerId") is None:
        values["OwnerId"] = ctx.user_id
    values.update(
        CreatedDate=moment, CreatedById=ctx.user_id, LastModifiedDate=moment,
        LastModifiedById=ctx.user_id, SystemModstamp=moment,
    )  # fmt: skip


def stamp_update(values: dict[str, Any], *, ctx: WriteContext) -> None:
    """Audit fields of a changed record."""
    moment = format_datetime(ctx.now())
    values.update(LastModifiedDate=moment, LastModifiedById=ctx.user_id, SystemModstamp=moment)


def insert_rows(conn: sqlite3.Connection, obj: ObjectDef, rows: Sequence[dict[str, Any]]) -> None:
    """Insert complete rows (missing fields become NULL) in one statement."""
    if not rows:
        return
    columns = obj.field_names()
    names = ", ".join(quote_name(name) for name in columns)
    marks = ", ".join("?" * len(columns))
    conn.executemany(
        f"INSERT INTO {quote_name(obj.name)} ({names}) VALUES ({marks})",
        [tuple(row.get(name) for name in columns) for row in rows],
    )


def update_rows(
    conn: sqlite3.Connection, obj: ObjectDef, updates: Iterable[tuple[str, dict[str, Any]]]
) -> None:
    """Apply `(id, {field: value})` changes, one statement per distinct set of fields."""
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for record_id, values in updates:
        if not values:
            continue
        keys = tuple(values)
        groups.setdefault(keys, []).append((*(values[key] for key in keys), record_id))
    for keys, params in groups.items():
        assignments = ", ".join(f"{quote_name(key)} = ?" for key in keys)
        conn.executemany(f'UPDATE {quote_name(obj.name)} SET {assignments} WHERE "Id" = ?', params)


def live_children(
    conn: sqlite3.Connection, child: ObjectDef, field: str, parent_ids: Sequence[str]
) -> list[str]:
    """Ids of non-deleted children whose `field` points at one of `parent_ids`."""
    found: list[str] = []
    for start in range(0, len(parent_ids), 500):
        chunk = parent_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.extend(
            row[0]
            for row in conn.execute(
                f'SELECT "Id" FROM {quote_name(child.name)} '
                f'WHERE {quote_name(field)} IN ({marks}) AND "IsDeleted" = 0',
                chunk,
            )
        )
    return found
