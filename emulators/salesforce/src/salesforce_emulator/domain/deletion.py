"""Delete to the recycle bin (with cascade to child records) and undelete from it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
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


Row = dict[str, Any]
# Why a record may not take part (None: it may): its object, its row (None: no such record),
# and the rows already taken in this call.
Refusal = Callable[[ObjectDef, Row | None, list[Row]], ErrorItem | None]
# What happens to the rows taken, one object at a time.
Change = Callable[[sqlite3.Connection, Org, ObjectDef, list[Row], WriteContext], None]


def _change_each(
    conn: sqlite3.Connection,
    org: Org,
    raw_ids: Sequence[str],
    ctx: WriteContext,
    *,
    refusal: Refusal,
    change: Change,
) -> list[RecordResult]:
    """One result per id, in order; the records no refusal stops are changed, per object."""
    results = [RecordResult() for _ in raw_ids]
    for name, entries in _group_by_object(org, raw_ids, results).items():
        obj = org.object_or_raise(name)
        rows = fetch_rows_by_id(conn, obj, [record_id for _, record_id in entries])
        taken: list[Row] = []
        for index, record_id in entries:
            row = rows.get(record_id)
            error = refusal(obj, row, taken)
            if error is not None:
                results[index].fail(error)
                continue
            assert row is not None, "every refusal stops a record that does not exist"
            results[index].id = record_id
            taken.append(row)
        change(conn, org, obj, taken, ctx)
    return results


def delete_records(
    conn: sqlite3.Connection, org: Org, raw_ids: Sequence[str], ctx: WriteContext
) -> list[RecordResult]:
    """Move records (of any types) to the recycle bin; one result per id, in order."""
    return _change_each(conn, org, raw_ids, ctx, refusal=_deletion_refusal, change=mark_deleted)


def _deletion_refusal(obj: ObjectDef, row: Row | None, doomed: list[Row]) -> ErrorItem | None:
    if not obj.deletable:
        return ErrorItem("INVALID_TYPE_FOR_OPERATION", f"entity type cannot be deleted: {obj.name}")
    if row is None:
        return ErrorItem("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    if row["IsDeleted"] or any(item is row for item in doomed):
        return ErrorItem("ENTITY_IS_DELETED", "entity is deleted")
    return None


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
    return _change_each(conn, org, raw_ids, ctx, refusal=_undeletion_refusal, change=restore)


def _undeletion_refusal(obj: ObjectDef, row: Row | None, restored: list[Row]) -> ErrorItem | None:
    if row is None or not row["IsDeleted"]:
        return ErrorItem("UNDELETE_FAILED", "Entity is not in the recycle bin")
    return None


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
