"""Merge duplicates into a master record, as SOAP `merge()` and Apex `Database.merge` do.

The losing records go to the recycle bin with `MasterRecordId` naming the master, their live
children are re-parented to the master first (so nothing dies with them), and the master is
updated with the field values the merge keeps. One transaction, so change events come as
Salesforce publishes them: DELETE for each loser, UPDATE for each re-parented child of an object
with change events, then UPDATE for the master.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.deletion import mark_deleted
from salesforce_emulator.domain.dml import update_records
from salesforce_emulator.domain.errors import ErrorItem
from salesforce_emulator.domain.ids import normalize_id
from salesforce_emulator.domain.org import Org
from salesforce_emulator.domain.persist import live_children, stamp_update, update_rows
from salesforce_emulator.domain.schema import ObjectDef
from salesforce_emulator.domain.store import fetch_rows_by_id

MASTER_FIELD = "MasterRecordId"
MAX_DUPLICATES = 2  # a master and up to two more records per merge


@dataclass
class MergeResult:
    """SOAP's MergeResult: the master, the records merged into it and the children moved."""

    id: str | None = None
    merged_record_ids: list[str] = field(default_factory=list)
    updated_related_ids: list[str] = field(default_factory=list)
    errors: list[ErrorItem] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return not self.errors


class _MergeFailed(Exception):
    def __init__(self, item: ErrorItem) -> None:
        super().__init__(item.message)
        self.item = item


def merge_records(
    conn: sqlite3.Connection,
    org: Org,
    *,
    master_id: str,
    duplicate_ids: Sequence[str],
    fields: Mapping[str, Any],
    ctx: WriteContext,
) -> MergeResult:
    """Merge `duplicate_ids` into `master_id`, setting `fields` on the master; all or nothing."""
    try:
        with org.store.transaction():
            return _merge(conn, org, master_id, duplicate_ids, fields, ctx)
    except _MergeFailed as failure:
        return MergeResult(errors=[failure.item])


def _merge(
    conn: sqlite3.Connection,
    org: Org,
    raw_master: str,
    raw_duplicates: Sequence[str],
    fields: Mapping[str, Any],
    ctx: WriteContext,
) -> MergeResult:
    obj, master, losers = _load_or_fail(conn, org, raw_master, raw_duplicates)
    loser_ids = [row["Id"] for row in losers]
    moved = _reparent_children(conn, org, obj, master, loser_ids, ctx)
    update_rows(conn, obj, [(record_id, {MASTER_FIELD: master}) for record_id in loser_ids])
    mark_deleted(conn, org, obj, losers, ctx)
    outcome = update_records(conn, org, obj, [(master, fields)], ctx)[0]
    if not outcome.success:
        raise _MergeFailed(outcome.errors[0])
    return MergeResult(id=master, merged_record_ids=loser_ids, updated_related_ids=moved)


def _load_or_fail(
    conn: sqlite3.Connection, org: Org, raw_master: str, raw_duplicates: Sequence[str]
) -> tuple[ObjectDef, str, list[dict[str, Any]]]:
    """The object, the master's id and the losers' rows, or the first reason to refuse."""
    ids = [normalize_id(raw) for raw in [raw_master, *raw_duplicates]]
    for raw, record_id in zip([raw_master, *raw_duplicates], ids, strict=True):
        if record_id is None:
            raise _MergeFailed(ErrorItem("MALFORMED_ID", f"malformed id {raw}"))
    known = [record_id for record_id in ids if record_id is not None]
    obj = org.catalog.by_prefix(known[0][:3])
    if obj is None or obj.field(MASTER_FIELD) is None:
        raise _MergeFailed(
            ErrorItem("INVALID_TYPE_FOR_OPERATION", "only accounts and contacts can be merged")
        )
    if not 1 <= len(known) - 1 <= MAX_DUPLICATES:
        raise _MergeFailed(ErrorItem("MERGE_FAILED", "merge one or two records into a master"))
    if len(set(known)) != len(known):
        raise _MergeFailed(ErrorItem("MERGE_FAILED", "cannot merge a record with itself"))
    if any(not record_id.startswith(obj.key_prefix) for record_id in known):
        raise _MergeFailed(ErrorItem("MERGE_FAILED", "records to merge must be of one type"))
    rows = fetch_rows_by_id(conn, obj, known)
    for record_id in known:
        row = rows.get(record_id)
        if row is None:
            raise _MergeFailed(
                ErrorItem("INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id {record_id}")
            )
        if row["IsDeleted"]:
            raise _MergeFailed(ErrorItem("ENTITY_IS_DELETED", f"entity is deleted: {record_id}"))
    return obj, known[0], [rows[record_id] for record_id in known[1:]]


def _reparent_children(
    conn: sqlite3.Connection,
    org: Org,
    obj: ObjectDef,
    master: str,
    loser_ids: list[str],
    ctx: WriteContext,
) -> list[str]:
    """Point the losers' live children at the master; the ids of the children moved."""
    moved: list[str] = []
    merged = {master, *loser_ids}
    for relation in obj.child_relationships:
        child = org.object_or_raise(relation.child_object)
        child_ids = [
            child_id
            for child_id in live_children(conn, child, relation.field, loser_ids)
            if child_id not in merged
        ]
        if not child_ids:
            continue
        values: dict[str, Any] = {relation.field: master}
        stamp_update(values, ctx=ctx)
        update_rows(conn, child, [(child_id, dict(values)) for child_id in child_ids])
        changed = [relation.field, "LastModifiedDate"]
        org.events.record(
            conn, child,
            [(child_id, "UPDATE", {name: values[name] for name in changed}, changed)
             for child_id in child_ids],
            ctx=ctx, on_commit=org.store.after_commit,
        )  # fmt: skip
        moved.extend(child_ids)
    return moved
