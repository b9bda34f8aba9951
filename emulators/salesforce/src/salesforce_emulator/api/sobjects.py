"""sObject resources: describe, basic info, rows by id and by external id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from salesforce_emulator.api.deps import CallDep
from salesforce_emulator.api.responses import SALESFORCE_JSON, field_list, json_body, serve
from salesforce_emulator.domain.describe import describe_global, describe_object, object_summary
from salesforce_emulator.domain.errors import bad_request, method_not_allowed
from salesforce_emulator.domain.records import changed_between, recent_items
from salesforce_emulator.domain.values import format_datetime, parse_datetime
from salesforce_emulator.rest import sobjects

router = APIRouter(tags=["sobjects"])
SOBJECTS = "/services/data/v{version}/sobjects"


@router.get(SOBJECTS)
async def describe_all(call: CallDep) -> JSONResponse:
    """Describe global: every sObject of the org."""
    body = describe_global(call.base, call.emulator.org.catalog.objects())
    return JSONResponse(body, media_type=SALESFORCE_JSON)


@router.get(SOBJECTS + "/{sobject}")
async def basic_info(call: CallDep, sobject: str) -> JSONResponse:
    """An sObject's summary and its most recently changed records."""
    org = call.emulator.org
    obj = org.object_or_raise(sobject)
    with org.store.reading() as conn:
        recent = recent_items(conn, call.base, obj)
    body = {"objectDescribe": object_summary(call.base, obj), "recentItems": recent}
    return JSONResponse(body, media_type=SALESFORCE_JSON)


@router.post(SOBJECTS + "/{sobject}")
async def create(call: CallDep, sobject: str, request: Request) -> Response:
    """Create a record: 201 `{id, success, errors}`."""
    return await serve(sobjects.create_record, call, sobject, await json_body(request))


@router.get(SOBJECTS + "/{sobject}/describe")
async def describe(call: CallDep, sobject: str) -> JSONResponse:
    """An sObject's full describe: fields, child relationships, URLs."""
    obj = call.emulator.org.object_or_raise(sobject)
    return JSONResponse(describe_object(call.base, obj), media_type=SALESFORCE_JSON)


def _window(start: str | None, end: str | None) -> tuple[str, str]:
    begin = parse_datetime(start or "")
    finish = parse_datetime(end or "")
    if begin is None or finish is None:
        raise bad_request("INVALID_REPLICATION_DATE", "startDate and endDate are required")
    return format_datetime(begin), format_datetime(finish)


@router.get(SOBJECTS + "/{sobject}/deleted")
async def deleted(
    call: CallDep, sobject: str, start: str | None = None, end: str | None = None
) -> JSONResponse:
    """Records deleted in a window: `deletedRecords` with their deletion dates."""
    obj = call.emulator.org.object_or_raise(sobject)
    begin, finish = _window(start, end)
    with call.emulator.org.store.reading() as conn:
        rows = changed_between(conn, obj, start=begin, end=finish, deleted=True)
    body = {
        "deletedRecords": [{"id": row["Id"], "deletedDate": row["SystemModstamp"]} for row in rows],
        "earliestDateAvailable": begin,
        "latestDateCovered": finish,
    }
    return JSONResponse(body, media_type=SALESFORCE_JSON)


@router.get(SOBJECTS + "/{sobject}/updated")
async def updated(
    call: CallDep, sobject: str, start: str | None = None, end: str | None = None
) -> JSONResponse:
    """Ids of records created or changed in a window."""
    obj = call.emulator.org.object_or_raise(sobject)
    begin, finish = _window(start, end)
    with call.emulator.org.store.reading() as conn:
        rows = changed_between(conn, obj, start=begin, end=finish, deleted=False)
    body = {"ids": [row["Id"] for row in rows], "latestDateCovered": finish}
    return JSONResponse(body, media_type=SALESFORCE_JSON)


@router.get(SOBJECTS + "/{sobject}/{record_id}")
async def get(call: CallDep, sobject: str, record_id: str, fields: str | None = None) -> Response:
    """A record by id (15 or 18 characters), all fields or `?fields=`."""
    return await serve(sobjects.get_record, call, sobject, record_id, field_list(fields))


@router.patch(SOBJECTS + "/{sobject}/{record_id}")
async def update(call: CallDep, sobject: str, record_id: str, request: Request) -> Response:
    """Update a record: 204."""
    body = await json_body(request)
    if record_id.lower() == "id" or call.emulator.org.object_or_raise(sobject).field(record_id):
        return await serve(sobjects.upsert_by_external_id, call, sobject, record_id, None, body)
    return await serve(sobjects.update_record, call, sobject, record_id, body)


@router.post(SOBJECTS + "/{sobject}/{record_id}")
async def insert_by_id_field(
    call: CallDep, sobject: str, record_id: str, request: Request
) -> Response:
    """`POST /sobjects/{type}/Id`: an insert answered with `created: true`."""
    if record_id != "Id":
        raise method_not_allowed("POST", ["GET", "HEAD", "PATCH", "DELETE"])
    return await serve(sobjects.insert_with_id_field, call, sobject, await json_body(request))


@router.delete(SOBJECTS + "/{sobject}/{record_id}")
async def delete(call: CallDep, sobject: str, record_id: str) -> Response:
    """Delete a record (to the recycle bin): 204."""
    return await serve(sobjects.delete_record, call, sobject, record_id)


@router.get(SOBJECTS + "/{sobject}/{field}/{value:path}")
async def get_by_external_id(
    call: CallDep, sobject: str, field: str, value: str, fields: str | None = None
) -> Response:
    """A record by external id; 300 with the candidates when several match."""
    return await serve(sobjects.get_by_external_id, call, sobject, field, value, field_list(fields))


@router.patch(SOBJECTS + "/{sobject}/{field}/{value:path}")
async def upsert(
    call: CallDep,
    sobject: str,
    field: str,
    value: str,
    request: Request,
    update_only: Annotated[bool, Query(alias="updateOnly")] = False,
) -> Response:
    """Upsert by external id: 201 created, 200 updated (204 before v46), 300 ambiguous."""
    body = await json_body(request)
    return await serve(
        sobjects.upsert_by_external_id, call, sobject, field, value, body, update_only=update_only
    )


@router.delete(SOBJECTS + "/{sobject}/{field}/{value:path}")
async def delete_by_external_id(call: CallDep, sobject: str, field: str, value: str) -> Response:
    """Delete the record an external id names: 204."""
    return await serve(sobjects.delete_by_external_id, call, sobject, field, value)
