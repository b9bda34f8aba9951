"""sObject rows: create, read, update, delete, and read/upsert/delete by external id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from salesforce_emulator.domain.deletion import delete_records
from salesforce_emulator.domain.dml import (
    RecordResult,
    insert_records,
    update_records,
    upsert_records,
)
from salesforce_emulator.domain.errors import SalesforceError, method_not_allowed, not_found
from salesforce_emulator.domain.records import (
    PROVIDED_EXTERNAL_ID_MISSING,
    check_field_list,
    live_row_or_raise,
    record_json,
    record_url,
    rows_by_external_id,
)
from salesforce_emulator.domain.schema import ObjectDef
from salesforce_emulator.rest.context import CallContext, RestResponse, expect_object

NOT_FOUND_CODES = frozenset({"NOT_FOUND"})


def raise_for_result(result: RecordResult) -> None:
    """A failed single-record save as the REST error response."""
    if result.errors:
        status = 404 if result.errors[0].error_code in NOT_FOUND_CODES else 400
        raise SalesforceError(status, list(result.errors))


def save_result(result: RecordResult, *, created: bool | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": result.id, "success": True, "errors": []}
    if created is not None:
        body["created"] = created
    return body


def _location(call: CallContext, obj: ObjectDef, record_id: str) -> dict[str, str]:
    return {"Location": record_url(call.base, obj, record_id)}


def create_record(call: CallContext, sobject: str, body: Any) -> RestResponse:
    """POST /sobjects/{type} → 201 {id, success, errors}."""
    org = call.emulator.org
    obj = org.object_or_raise(sobject)
    record = expect_object(body, obj.name)
    with org.store.transaction() as conn:
        result = insert_records(conn, org, obj, [record], call.write)[0]
        raise_for_result(result)
    assert result.id is not None
    return RestResponse(201, save_result(result), _location(call, obj, result.id))


def _object_to_read(call: CallContext, sobject: str, fields: Sequence[str] | None) -> ObjectDef:
    """The object named, once the fields asked for (if any) are known to be its own."""
    obj = call.emulator.org.object_or_raise(sobject)
    if fields is not None:
        check_field_list(obj, fields)
    return obj


def get_record(
    call: CallContext, sobject: str, record_id: str, fields: Sequence[str] | None
) -> RestResponse:
    """GET /sobjects/{type}/{id}[?fields=] → the record with `attributes`."""
    obj = _object_to_read(call, sobject, fields)
    with call.emulator.org.store.reading() as conn:
        row = live_row_or_raise(conn, obj, record_id)
    return RestResponse(200, record_json(call.base, obj, row, fields=fields))


def update_record(call: CallContext, sobject: str, record_id: str, body: Any) -> RestResponse:
    """PATCH /sobjects/{type}/{id} → 204."""
    org = call.emulator.org
    obj = org.object_or_raise(sobject)
    changes = expect_object(body, obj.name)
    with org.store.transaction() as conn:
        row = live_row_or_raise(conn, obj, record_id)
        raise_for_result(update_records(conn, org, obj, [(row["Id"], changes)], call.write)[0])
    return RestResponse(204)


def delete_record(call: CallContext, sobject: str, record_id: str) -> RestResponse:
    """DELETE /sobjects/{type}/{id} → 204; a second delete is 404 ENTITY_IS_DELETED."""
    org = call.emulator.org
    obj = org.object_or_raise(sobject)
    with org.store.transaction() as conn:
        row = live_row_or_raise(conn, obj, record_id)
        raise_for_result(delete_records(conn, org, [row["Id"]], call.write)[0])
    return RestResponse(204)


def _multiple_choices(
    call: CallContext, obj: ObjectDef, rows: list[dict[str, Any]]
) -> RestResponse:
    return RestResponse(300, [record_url(call.base, obj, row["Id"]) for row in rows])


def get_by_external_id(
    call: CallContext, sobject: str, field: str, value: str, fields: Sequence[str] | None
) -> RestResponse:
    """GET /sobjects/{type}/{field}/{value} → the record, or 300 with the candidates."""
    obj = _object_to_read(call, sobject, fields)
    with call.emulator.org.store.reading() as conn:
        rows = rows_by_external_id(conn, obj, field, value)
    if not rows:
        raise not_found()
    if len(rows) > 1:
        return _multiple_choices(call, obj, rows)
    return RestResponse(200, record_json(call.base, obj, rows[0], fields=fields))


def upsert_by_external_id(
    call: CallContext,
    sobject: str,
    field: str,
    value: str | None,
    body: Any,
    *,
    update_only: bool = False,
) -> RestResponse:
    """PATCH /sobjects/{type}/{field}/{value}: 201 created, 200 (v46+) or 204 updated, 300."""
    org = call.emulator.org
    obj = org.object_or_raise(sobject)
    record = dict(expect_object(body, obj.name))
    ext_field = obj.field(field)
    if ext_field is None or not (ext_field.external_id or ext_field.name == "Id"):
        raise not_found(PROVIDED_EXTERNAL_ID_MISSING.format(field))
    if value is None:
        if ext_field.name != "Id":
            raise method_not_allowed("PATCH", ["GET", "HEAD", "DELETE"])
        raise method_not_allowed("PATCH", ["GET", "HEAD", "POST"])
    with org.store.transaction() as conn:
        if ext_field.name != "Id":
            rows = rows_by_external_id(conn, obj, ext_field.name, value)
            if len(rows) > 1:
                return _multiple_choices(call, obj, rows)
            if not rows and update_only:
                raise not_found()
        record = {key: item for key, item in record.items() if key.lower() != field.lower()}
        record[ext_field.name] = value
        result = upsert_records(conn, org, obj, ext_field, [record], call.write)[0]
        raise_for_result(result)
    assert result.id is not None
    if result.created:
        return RestResponse(201, save_result(result, created=True), _location(call, obj, result.id))
    if float(call.version) < 46.0:
        return RestResponse(204)
    return RestResponse(200, save_result(result, created=False))


def insert_with_id_field(call: CallContext, sobject: str, body: Any) -> RestResponse:
    """POST /sobjects/{type}/Id → a plain insert answered with `created: true`."""
    response = create_record(call, sobject, body)
    response.body["created"] = True
    return response


def delete_by_external_id(call: CallContext, sobject: str, field: str, value: str) -> RestResponse:
    """DELETE /sobjects/{type}/{field}/{value} → 204, or 300 when several match."""
    org = call.emulator.org
    obj = org.object_or_raise(sobject)
    with org.store.transaction() as conn:
        rows = rows_by_external_id(conn, obj, field, value)
        if not rows:
            raise not_found()
        if len(rows) > 1:
            return _multiple_choices(call, obj, rows)
        raise_for_result(delete_records(conn, org, [rows[0]["Id"]], call.write)[0])
    return RestResponse(204)
