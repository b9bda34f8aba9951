"""Create, update and upsert many records at once, with one result per record.

Every API shares this path: a REST create is a batch of one, a collection up to 200, a Bulk API
job 10,000 rows per internal batch. Invalid records fail alone; the caller decides whether one
failure rolls back the rest (allOrNone) by wrapping the call in a transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from salesforce_emulator.domain import rules
from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.errors import ErrorItem
from salesforce_emulator.domain.ids import normalize_id
from salesforce_emulator.domain.org import Org
from salesforce_emulator.domain.persist import insert_rows, stamp_create, stamp_update, update_rows
from salesforce_emulator.domain.references import ReferenceChecker, find_by_external_id
from salesforce_emulator.domain.schema import FieldDef, ObjectDef
from salesforce_emulator.domain.store import fetch_rows_by_id, quote_name
from salesforce_emulator.domain.validation import apply_defaults, check_required, parse_record
from salesforce_emulator.domain.values import FieldValueError, encode_value


@dataclass
class RecordResult:
    """The outcome for one record: its id, whether it was created, or its errors."""

    id: str | None = None
    created: bool = False
    errors: list[ErrorItem] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return not self.errors

    def fail(self, item: ErrorItem) -> None:
        self.errors.append(item)


class UniqueGuard:
    """DUPLICATE_VALUE for unique fields, against the table and the batch itself."""

    def __init__(self, conn: sqlite3.Connection, obj: ObjectDef) -> None:
        self.conn = conn
        self.obj = obj
        self.fields = obj.unique_fields
        self._taken: dict[str, dict[str, str]] = {item.name: {} for item in self.fields}

    def claim(self, record_id: str, values: Mapping[str, Any]) -> None:
        for item in self.fields:
            value = values.get(item.name)
            if value is None:
                continue
            key = str(value).lower()
            holder = self._taken[item.name].get(key) or self._stored_holder(item, value, record_id)
            if holder is not None and holder != record_id:
                raise FieldValueError(
                    ErrorItem(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {item.name} duplicates value on record with "
                        f"id: {holder}",
                        (item.name,),
                    )
                )
        for item in self.fields:
            if values.get(item.name) is not None:
                self._taken[item.name][str(values[item.name]).lower()] = record_id

    def _stored_holder(self, item: FieldDef, value: Any, record_id: str) -> str | None:
        row = self.conn.execute(
            f'SELECT "Id" FROM {quote_name(self.obj.name)} WHERE {quote_name(item.name)} = ? '
            'COLLATE NOCASE AND "IsDeleted" = 0 AND "Id" != ? LIMIT 1',
            (value, record_id),
        ).fetchone()
        return row[0] if row else None


def _not_allowed(obj: ObjectDef, verb: str) -> ErrorItem:
    return ErrorItem("INVALID_TYPE_FOR_OPERATION", f"entity type cannot be {verb}: {obj.name}")


def insert_records(
    conn: sqlite3.Connection,
    org: Org,
    obj: ObjectDef,
    bodies: Sequence[Mapping[str, Any]],
    ctx: WriteContext,
) -> list[RecordResult]:
    """Validate and insert `bodies`; one result per body, in order."""
    results = [RecordResult() for _ in bodies]
    if not obj.createable:
        for result in results:
            result.fail(_not_allowed(obj, "inserted"))
        return results
    checker = ReferenceChecker(conn, org)
    staged: list[tuple[int, dict[str, Any]]] = []
    for index, body in enumerate(bodies):
        try:
            parsed = parse_record(org.catalog, obj, body, operation="create")
            checker.resolve(parsed.refs, parsed.values)
            apply_defaults(obj, parsed.values)
            checker.check(obj, parsed.values)
            check_required(obj, parsed.values, operation="create")
            staged.append((index, parsed.values))
        except FieldValueError as error:
            results[index].fail(error.item)
    guard = UniqueGuard(conn, obj)
    rows = []
    for (index, values), record_id in zip(
        staged, org.ids.allocate(obj.key_prefix, len(staged)), strict=True
    ):
        try:
            rules.before_insert(checker, org, obj, values, ctx)
            guard.claim(record_id, values)
        except FieldValueError as error:
            results[index].fail(error.item)
            continue
        stamp_create(obj, values, record_id=record_id, ctx=ctx)
        rows.append(values)
        results[index].id, results[index].created = record_id, True
    insert_rows(conn, obj, rows)
    rules.after_write(conn, org, obj, rows, ctx, created=True)
    org.events.record(
        conn, obj, [(row["Id"], "CREATE", row, []) for row in rows], ctx=ctx,
        on_commit=org.store.after_commit,
    )  # fmt: skip
    return results


def load_targets(
    conn: sqlite3.Connection, obj: ObjectDef, raw_ids: Sequence[str], results: list[RecordResult]
) -> dict[int, dict[str, Any]]:
    """Existing, live rows for `raw_ids` by position; failures go into `results`."""
    normalized = [normalize_id(raw) for raw in raw_ids]
    rows = fetch_rows_by_id(conn, obj, [item for item in normalized if item])
    found: dict[int, dict[str, Any]] = {}
    for index, (raw, record_id) in enumerate(zip(raw_ids, normalized, strict=True)):
        row = rows.get(record_id) if record_id else None
        if record_id is None or not record_id.startswith(obj.key_prefix):
            results[index].fail(
                ErrorItem(
                    "MALFORMED_ID", f"{obj.label} ID: id value of incorrect type: {raw}", ("Id",)
                )
            )
        elif row is None:
            results[index].fail(
                ErrorItem("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
            )
        elif row["IsDeleted"]:
            results[index].fail(ErrorItem("ENTITY_IS_DELETED", "entity is deleted"))
        else:
            results[index].id = record_id
            found[index] = row
    return found


def update_records(
    conn: sqlite3.Connection,
    org: Org,
    obj: ObjectDef,
    items: Sequence[tuple[str, Mapping[str, Any]]],
    ctx: WriteContext,
) -> list[RecordResult]:
    """Validate and apply `(id, body)` changes; one result per item, in order."""
    results = [RecordResult() for _ in items]
    if not obj.updateable:
        for result in results:
            result.fail(_not_allowed(obj, "updated"))
        return results
    targets = load_targets(conn, obj, [raw for raw, _ in items], results)
    checker = ReferenceChecker(conn, org)
    guard = UniqueGuard(conn, obj)
    updates, changes, merged = [], [], []
    for index, old in targets.items():
        try:
            parsed = parse_record(org.catalog, obj, items[index][1], operation="update")
            values = parsed.values
            checker.resolve(parsed.refs, values)
            checker.check(obj, values)
            check_required(obj, values, operation="update")
            rules.before_update(checker, org, obj, old, values, ctx)
            guard.claim(old["Id"], {**old, **values})
        except FieldValueError as error:
            results[index].fail(error.item)
            continue
        changed = [name for name, value in values.items() if old.get(name) != value]
        if old["LastModifiedById"] != ctx.user_id:
            changed.append("LastModifiedById")
        stamp_update(values, ctx=ctx)
        updates.append((old["Id"], values))
        merged.append({**old, **values})
        changes.append(
            (
                old["Id"],
                "UPDATE",
                {name: values[name] for name in [*changed, "LastModifiedDate"]},
                [*changed, "LastModifiedDate"],
            )
        )
    update_rows(conn, obj, updates)
    rules.after_write(conn, org, obj, merged, ctx, created=False)
    org.events.record(conn, obj, changes, ctx=ctx, on_commit=org.store.after_commit)
    return results


def external_value(body: Mapping[str, Any], ext_field: FieldDef) -> Any:
    """The body's value of the external id field (keys are case-insensitive)."""
    lowered = ext_field.name.lower()
    return next((value for key, value in body.items() if key.lower() == lowered), None)


def upsert_records(
    conn: sqlite3.Connection,
    org: Org,
    obj: ObjectDef,
    ext_field: FieldDef,
    bodies: Sequence[Mapping[str, Any]],
    ctx: WriteContext,
) -> list[RecordResult]:
    """Insert or update each body matched on `ext_field`; `created` tells which happened."""
    results = [RecordResult() for _ in bodies]
    creates: list[tuple[int, Mapping[str, Any]]] = []
    updates: list[tuple[int, str, Mapping[str, Any]]] = []
    seen: set[str] = set()
    for index, body in enumerate(bodies):
        value = external_value(body, ext_field)
        try:
            stored = encode_value(ext_field, value) if ext_field.name != "Id" else value
        except FieldValueError as error:
            results[index].fail(error.item)
            continue
        if stored is None:
            if ext_field.name == "Id":
                creates.append((index, {k: v for k, v in body.items() if k.lower() != "id"}))
            else:
                results[index].fail(
                    ErrorItem("MISSING_ARGUMENT", f"{ext_field.name} not specified")
                )
            continue
        key = str(stored).lower()
        if key in seen:
            results[index].fail(
                ErrorItem(
                    "DUPLICATE_VALUE",
                    f"Duplicate external id specified: {value}",
                    (ext_field.name,),
                )
            )
            continue
        seen.add(key)
        matches = find_by_external_id(conn, obj, ext_field, stored)
        if len(matches) > 1:
            results[index].fail(
                ErrorItem(
                    "DUPLICATE_EXTERNAL_ID",
                    f"{ext_field.name}: more than one record found for external id field: "
                    f"{matches}",
                    (ext_field.name,),
                )
            )
        elif matches:
            updates.append((index, matches[0], body))
        elif ext_field.name == "Id":
            results[index].fail(
                ErrorItem(
                    "NOT_FOUND",
                    "Provided external ID field does not exist or is not accessible: Id",
                )
            )
        else:
            creates.append((index, body))
    for (index, _), outcome in zip(
        creates, insert_records(conn, org, obj, [body for _, body in creates], ctx), strict=True
    ):
        results[index] = outcome
    update_outcomes = update_records(
        conn, org, obj, [(record_id, body) for _, record_id, body in updates], ctx
    )
    for (index, _, _), outcome in zip(updates, update_outcomes, strict=True):
        results[index] = outcome
    return results
