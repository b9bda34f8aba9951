"""Delete to the recycle bin (with cascade to child records) and undelete from it."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from salesforce_emulator.domain import rules
from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.dml import RecordResult
from salesforce_emulator.domain.errors import ErrorItem
from salesforce_emulator.domain.ids import normalize_id
from salesforce_emulator.domain.org import Org
from salesforce_emulator.domain.persist import live_children, stamp_update, update_rows
from salesforce_emulator.domain.schema import ObjectDef
from salesforce_emulator.domain.store import fetch_dicts, fetch_rows_by_id, quote_name


def _group_by_object(
    org: Org, raw_ids: Sequence[str], results: list[RecordResult]
) -> dict[str, list[tuple[int, str]]]:
    groups: dict[str, list[tuple[int, str]]] = {}
    for index, raw in enumerate(raw_ids):
        record_id = normalize_id(raw)
        obj = org.catalog.by_prefix(record_id[:3]) if record_id else None
        if record_id is None or obj is None:
            results[index].fail(ErrorItem("MALFORMED_ID", f"malformed id {raw}"))
            continue
        groups.setdefault(obj.name, []).append((index, record_id))
    return groups


def delete_records(
    conn: sqlite3.Connection, org: Org, raw_ids: Sequence[str], ctx: WriteContext
) -> list[RecordResult]:
    """Move records (of any types) to the recycle bin; one result per id, in order."""
    results = [RecordResult() for _ in raw_ids]
    for name, entries in _group_by_object(org, raw_ids, results).items():
        obj = org.object_or_raise(name)
        rows = fetch_rows_by_id(conn, obj, [record_id for _, record_id in entries])
        doomed: list[dict[str, Any]] = []
        for index, record_id in entries:
            row = rows.get(record_id)
            if not obj.deletable:
                results[index].fail(
                    ErrorItem(
                        "INVALID_TYPE_FOR_OPERATION", f"entity type cannot be deleted: {name}"
                    )
                )
            elif row is None:
                results[index].fail(
                    ErrorItem("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
                )
            elif row["IsDeleted"] or any(item is row for item in doomed):
                results[index].fail(ErrorItem("ENTITY_IS_DELETED", "entity is deleted"))
            else:
                results[index].id = record_id
                doomed.append(row)
        mark_deleted(conn, org, obj, doomed, ctx)
    return results


def mark_deleted(
    conn: sqlite3.Connection,
    org: Org,
    obj: ObjectDef,
    rows: Sequence[dict[str, Any]],
    ctx: WriteContext,
    stamp: dict[str, Any] | None = None,
) -> None:
    """Flag rows deleted, cascade to children that die with them, and recalculate parents.

    Children get the very same SystemModstamp, which is how undelete finds them again.
    """
    if not rows:
        return
    if stamp is None:
        stamp = {"IsDeleted": 1}
        stamp_update(stamp, ctx=ctx)
    ids = [row["Id"] for row in rows]
    update_rows(conn, obj, [(record_id, dict(stamp)) for record_id in ids])
    for relation in obj.child_relationships:
        if not relation.cascade_delete:
            continue
        child = org.object_or_raise(relation.child_object)
        child_ids = live_children(conn, child, relation.field, ids)
        children = list(fetch_rows_by_id(conn, child, child_ids).values())
        mark_deleted(conn, org, child, children, ctx, stamp)
    rules.after_write(conn, org, obj, rows, ctx, created=False)
    org.events.record(
        conn, obj, [(record_id, "DELETE", {}, []) for record_id in ids], ctx=ctx,
        on_commit=org.store.after_commit,
    )  # fmt: skip


def undelete_records(
    conn: sqlite3.Connection, org: Org, raw_ids: Sequence[str], ctx: WriteContext
) -> list[RecordResult]:
    """Restore records from the recycle bin, with the children deleted along with them."""
    results = [RecordResult() for _ in raw_ids]
    for name, entries in _group_by_object(org, raw_ids, results).items():
        obj = org.object_or_raise(name)
        rows = fetch_rows_by_id(conn, obj, [record_id for _, record_id in entries])
        restored = []
        for index, record_id in entries:
            row = rows.get(record_id)
            if row is None or not row["IsDeleted"]:
                results[index].fail(
                    ErrorItem("UNDELETE_FAILED", "Entity is not in the recycle bin")
                )
            else:
                results[index].id = record_id
                restored.append(row)
        restore(conn, org, obj, restored, ctx)
    return results


def restore(
    conn: sqlite3.Connection,
    org: Org,
    obj: ObjectDef,
    rows: Sequence[dict[str, Any]],
    ctx: WriteContext,
) -> None:
    """Clear the deleted flag; children deleted in the same operation come back too."""
    if not rows:
        return
    stamp: dict[str, Any] = {"IsDeleted": 0}
    stamp_update(stamp, ctx=ctx)
    update_rows(conn, obj, [(row["Id"], dict(stamp)) for row in rows])
    for relation in obj.child_relationships:
        if not relation.cascade_delete:
            continue
        child = org.object_or_raise(relation.child_object)
        for row in rows:
            children = fetch_dicts(
                conn,
                f"SELECT * FROM {quote_name(child.name)} WHERE {quote_name(relation.field)} = ? "
                'AND "IsDeleted" = 1 AND "SystemModstamp" = ?',
                (row["Id"], row["SystemModstamp"]),
            )
            restore(conn, org, child, children, ctx)
    rules.after_write(conn, org, obj, rows, ctx, created=False)
    fresh = fetch_rows_by_id(conn, obj, [row["Id"] for row in rows])
    org.events.record(
        conn, obj, [(record_id, "UNDELETE", row, []) for record_id, row in fresh.items()],
        ctx=ctx, on_commit=org.store.after_commit,
    )  # fmt: skip
