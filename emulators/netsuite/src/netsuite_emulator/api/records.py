"""The record service `record/v1`: records by internal or external id, collections, sublists,
transforms, and the metadata catalog."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from netsuite_emulator.api.deps import (
    CollectionResource,
    SingularResource,
    json_body,
    record_context,
)
from netsuite_emulator.domain import metadata, record_service
from netsuite_emulator.emulator import RECORD_PREFIX

router = APIRouter(prefix=RECORD_PREFIX, tags=["record"])
IdempotencyKey = Annotated[str | None, Header(alias="X-NetSuite-Idempotency-Key", max_length=128)]


def _created(location: str) -> Response:
    return Response(status_code=204, headers={"Location": location})


@router.get("/metadata-catalog")
async def metadata_catalog(request: Request) -> dict[str, Any]:
    """The record types this account serves, each with a link to its schema."""
    return metadata.catalog(record_context(request).base_url)


@router.get("/metadata-catalog/{record_type}")
async def record_metadata(request: Request, record_type: str) -> Response:
    """A record type's JSON Schema (`Accept: application/schema+json`)."""
    schema = metadata.record_schema(record_type, record_context(request).base_url)
    return Response(content=metadata.dumps(schema), media_type="application/schema+json")


@router.get("/{record_type}", response_class=CollectionResource)
async def list_records(
    request: Request,
    record_type: str,
    limit: Annotated[int, Query()] = 1000,
    offset: Annotated[int, Query()] = 0,
    q: Annotated[str | None, Query(max_length=4000)] = None,
) -> dict[str, Any]:
    """One page of a record type's ids, in id order; `q` filters them
    (`companyName START_WITH "Nord" AND lastModifiedDate ON_OR_AFTER "1/1/2024"`)."""
    ctx = record_context(request)
    return await run_in_threadpool(
        record_service.list_records, ctx, record_type, limit=limit, offset=offset, query=q
    )


@router.post("/{record_type}", status_code=204)
async def create_record(
    request: Request, record_type: str, idempotency_key: IdempotencyKey = None
) -> Response:
    """Create a record; 204 with its URL in `Location`. A repeat with the same idempotency key
    answers the first record's URL without creating another."""
    body, ctx = await json_body(request), record_context(request)
    location = await run_in_threadpool(
        record_service.create_record, ctx, record_type, body, idempotency_key=idempotency_key
    )
    return _created(location)


@router.get("/{record_type}/{key}", response_class=SingularResource)
async def get_record(
    request: Request,
    record_type: str,
    key: str,
    expand_sub_resources: Annotated[bool, Query(alias="expandSubResources")] = False,
    fields: Annotated[str | None, Query(max_length=4000)] = None,
) -> dict[str, Any]:
    """A record by internal id or `eid:{externalId}`; sublists inline with
    `expandSubResources=true`, only some fields with `fields=a,b`."""
    wanted = (
        frozenset(name.strip() for name in fields.split(",") if name.strip()) if fields else None
    )
    ctx = record_context(request)
    return await run_in_threadpool(
        record_service.get_record, ctx, record_type, key, expand=expand_sub_resources, fields=wanted
    )


@router.patch("/{record_type}/{key}", status_code=204)
async def update_record(request: Request, record_type: str, key: str) -> Response:
    """Change the fields the body names (a sublist in the body replaces the sublist)."""
    body, ctx = await json_body(request), record_context(request)
    await run_in_threadpool(record_service.update_record, ctx, record_type, key, body)
    return Response(status_code=204)


@router.put("/{record_type}/{key}", status_code=204)
async def upsert_record(request: Request, record_type: str, key: str) -> Response:
    """Upsert by external id: `PUT {type}/eid:{externalId}` updates the record with that
    external id or creates it (then `Location` names the new record)."""
    body, ctx = await json_body(request), record_context(request)
    location = await run_in_threadpool(record_service.upsert_record, ctx, record_type, key, body)
    return _created(location) if location else Response(status_code=204)


@router.delete("/{record_type}/{key}", status_code=204)
async def delete_record(request: Request, record_type: str, key: str) -> Response:
    """Delete a record (one that others depend on cannot be deleted)."""
    ctx = record_context(request)
    await run_in_threadpool(record_service.delete_record, ctx, record_type, key)
    return Response(status_code=204)


@router.get("/{record_type}/{key}/{sublist}", response_class=CollectionResource)
async def get_sublist(request: Request, record_type: str, key: str, sublist: str) -> dict[str, Any]:
    """A record's sublist (`item` of a transaction, `locations` of an item, …)."""
    ctx = record_context(request)
    return await run_in_threadpool(record_service.get_sublist, ctx, record_type, key, sublist)


@router.post("/{record_type}/{key}/!transform/{target}", status_code=204)
async def transform_record(
    request: Request,
    record_type: str,
    key: str,
    target: str,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Turn a sales order into an item fulfillment or an invoice; 204 with its `Location`."""
    body, ctx = await json_body(request), record_context(request)
    location = await run_in_threadpool(
        record_service.transform_record,
        ctx,
        record_type,
        key,
        target,
        body,
        idempotency_key=idempotency_key,
    )
    return _created(location)
