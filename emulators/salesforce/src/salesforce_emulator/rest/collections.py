"""sObject Collections: up to 200 records per call, per-record results, optional allOrNone."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from salesforce_emulator.domain.deletion import delete_records
from salesforce_emulator.domain.dml import (
    RecordResult,
    insert_records,
    update_records,
    upsert_records,
)
from salesforce_emulator.domain.errors import ErrorItem, bad_request, not_found
from salesforce_emulator.domain.ids import normalize_id
from salesforce_emulator.domain.records import (
    PROVIDED_EXTERNAL_ID_MISSING,
    check_field_list,
    record_json,
)
from salesforce_emulator.domain.schema import ObjectDef
from salesforce_emulator.domain.store import fetch_rows_by_id
from salesforce_emulator.rest.context import CallContext, RestResponse, expect_object

MAX_RECORDS = 200
ROLLED_BACK = ErrorItem(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
)


class _RolledBack(Exception):
    def __init__(self, results: list[RecordResult]) -> None:
        super().__init__("allOrNone rollback")
        self.results = results


def run_all_or_none(
    call: CallContext, all_or_none: bool, work: Callable[[sqlite3.Connection], list[RecordResult]]
) -> list[RecordResult]:
    """Run `work` in one transaction; with allOrNone, any failure rolls every record back."""
    try:
        with call.emulator.org.store.transaction() as conn:
            results = work(conn)
            if all_or_none and not all(result.success for result in results):
                raise _RolledBack(results)
    except _RolledBack as rollback:
        return [
            result if not result.success else RecordResult(id=None, errors=[ROLLED_BACK])
            for result in rollback.results
        ]
    return results


def result_json(result: RecordResult, *, with_created: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if result.id is not None or result.success:
        body["id"] = result.id
    body["success"] = result.success
    body["errors"] = [item.to_result_json() for item in result.errors]
    if with_created and result.success:
        body["created"] = result.created
    return body


def _records(body: Any, *, limit: int = MAX_RECORDS) -> tuple[list[Any], bool]:
    payload = expect_object(body, "SObjectCollection")
    records = payload.get("records")
    if not isinstance(records, list):
        raise bad_request("INVALID_FIELD", "records is required and must be a list")
    if len(records) > limit:
        raise bad_request(
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {limit} records into this call",
        )
    return records, bool(payload.get("allOrNone", False))


def _type_of(record: Any) -> str | None:
    if not isinstance(record, Mapping):
        return None
    attributes = record.get("attributes")
    kind = attributes.get("type") if isinstance(attributes, Mapping) else None
    return kind if isinstance(kind, str) else None


def _by_type(
    call: CallContext,
    records: Sequence[Any],
    results: list[RecordResult],
) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        kind = _type_of(record)
        if kind is None or call.emulator.org.catalog.object(kind) is None:
            results[index].fail(
                ErrorItem(
                    "INVALID_TYPE", "Must specify a valid type in the attributes of each record"
                )
            )
            continue
        groups.setdefault(kind, []).append(index)
    return groups


@dataclass(frozen=True)
class _TypeBatch:
    """The records of one sObject type in a collection call: those at `indexes` of `records`,
    whose outcomes go to the same places of `results`."""

    conn: sqlite3.Connection
    obj: ObjectDef
    records: Sequence[Any]
    indexes: list[int]
    results: list[RecordResult]


def _write_by_type(
    call: CallContext,
    body: Any,
    write: Callable[[_TypeBatch], None],
    *,
    force_all_or_none: bool,
) -> RestResponse:
    """A collection call whose records may be of several types: each type's records written
    together, in one all-or-none transaction when asked."""
    records, all_or_none = _records(body)
    org = call.emulator.org

    def work(conn: sqlite3.Connection) -> list[RecordResult]:
        results = [RecordResult() for _ in records]
        for kind, indexes in _by_type(call, records, results).items():
            write(_TypeBatch(conn, org.object_or_raise(kind), records, indexes, results))
        return results

    results = run_all_or_none(call, all_or_none or force_all_or_none, work)
    return RestResponse(200, [result_json(result) for result in results])


def create(call: CallContext, body: Any, *, force_all_or_none: bool = False) -> RestResponse:
    """POST /composite/sobjects."""
    org = call.emulator.org

    def insert(batch: _TypeBatch) -> None:
        records = [batch.records[index] for index in batch.indexes]
        outcomes = insert_records(batch.conn, org, batch.obj, records, call.write)
        for index, outcome in zip(batch.indexes, outcomes, strict=True):
            batch.results[index] = outcome

    return _write_by_type(call, body, insert, force_all_or_none=force_all_or_none)


def update(call: CallContext, body: Any, *, force_all_or_none: bool = False) -> RestResponse:
    """PATCH /composite/sobjects: each record names its `id`."""
    org = call.emulator.org

    def change(batch: _TypeBatch) -> None:
        items = []
        for index in batch.indexes:
            record = batch.records[index]
            record_id = record.get("id") or record.get("Id")
            if not isinstance(record_id, str):
                batch.results[index].fail(
                    ErrorItem("MISSING_ARGUMENT", "Id not specified in an update call")
                )
                continue
            changes = {key: value for key, value in record.items() if key.lower() != "id"}
            items.append((index, record_id, changes))
        writes = [(record_id, changes) for _, record_id, changes in items]
        outcomes = update_records(batch.conn, org, batch.obj, writes, call.write)
        for (index, record_id, _), outcome in zip(items, outcomes, strict=True):
            outcome.id = outcome.id or normalize_id(record_id) or record_id
            batch.results[index] = outcome

    return _write_by_type(call, body, change, force_all_or_none=force_all_or_none)


def upsert(
    call: CallContext, sobject: str, field: str, body: Any, *, force_all_or_none: bool = False
) -> RestResponse:
    """PATCH /composite/sobjects/{type}/{externalIdField}."""
    records, all_or_none = _records(body)
    org = call.emulator.org
    obj = org.object_or_raise(sobject)
    ext_field = obj.field(field)
    if ext_field is None or not (ext_field.external_id or ext_field.name == "Id"):
        raise not_found(PROVIDED_EXTERNAL_ID_MISSING.format(field))

    def work(conn: sqlite3.Connection) -> list[RecordResult]:
        results = [RecordResult() for _ in records]
        indexes = []
        for index, record in enumerate(records):
            if _type_of(record) not in (None, obj.name) or not isinstance(record, Mapping):
                results[index].fail(
                    ErrorItem("INVALID_TYPE", f"records must be of type {obj.name}")
                )
            else:
                indexes.append(index)
        outcomes = upsert_records(
            conn, org, obj, ext_field, [records[i] for i in indexes], call.write
        )
        for index, outcome in zip(indexes, outcomes, strict=True):
            results[index] = outcome
        return results

    results = run_all_or_none(call, all_or_none or force_all_or_none, work)
    return RestResponse(200, [result_json(result, with_created=True) for result in results])


def split_ids(ids: str | Sequence[str] | None) -> list[str]:
    if ids is None:
        return []
    values = ids.split(",") if isinstance(ids, str) else list(ids)
    return [value.strip() for value in values if value and value.strip()]


def delete(
    call: CallContext, ids: str | None, all_or_none: bool, *, force_all_or_none: bool = False
) -> RestResponse:
    """DELETE /composite/sobjects?ids=...&allOrNone=."""
    targets = split_ids(ids)
    if not targets:
        raise bad_request("MISSING_ARGUMENT", "ids parameter is required")
    if len(targets) > MAX_RECORDS:
        raise bad_request("EXCEEDED_ID_LIMIT", "record limit reached. cannot delete more than 200")
    org = call.emulator.org
    results = run_all_or_none(
        call,
        all_or_none or force_all_or_none,
        lambda conn: delete_records(conn, org, targets, call.write),
    )
    for target, result in zip(targets, results, strict=True):
        result.id = result.id or normalize_id(target) or target
    return RestResponse(200, [result_json(result) for result in results])


def retrieve(
    call: CallContext, sobject: str, ids: str | Sequence[str] | None, fields: Any
) -> RestResponse:
    """GET /composite/sobjects/{type}?ids=&fields= (or POST with a body): null for unknown ids."""
    org = call.emulator.org
    obj = org.object_or_raise(sobject)
    wanted = split_ids(fields) if isinstance(fields, str | list) else []
    targets = split_ids(ids)
    if not wanted:
        raise bad_request("MISSING_ARGUMENT", "fields parameter is required")
    if not targets:
        raise bad_request("MISSING_ARGUMENT", "ids parameter is required")
    if len(targets) > MAX_RECORDS:
        raise bad_request("EXCEEDED_ID_LIMIT", "cannot retrieve more than 200 records")
    check_field_list(obj, wanted)
    normalized = [normalize_id(target) for target in targets]
    with org.store.reading() as conn:
        rows = fetch_rows_by_id(conn, obj, [item for item in normalized if item])
    body = []
    for record_id in normalized:
        row = rows.get(record_id) if record_id else None
        live = row is not None and not row["IsDeleted"]
        body.append(record_json(call.base, obj, row, fields=wanted) if live and row else None)
    return RestResponse(200, body)
