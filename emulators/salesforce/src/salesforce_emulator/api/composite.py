"""Composite resources and sObject Collections."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from salesforce_emulator.api.deps import CallDep
from salesforce_emulator.api.responses import json_body, serve
from salesforce_emulator.rest import collections
from salesforce_emulator.rest import composite as resources

router = APIRouter(tags=["composite"])
COMPOSITE = "/services/data/v{version}/composite"


@router.get(COMPOSITE)
async def composite_resources(call: CallDep) -> Response:
    """The composite resources of this version."""
    return await serve(resources.composite_resources, call)


@router.post(COMPOSITE)
async def composite(call: CallDep, request: Request) -> Response:
    """Up to 25 subrequests in one call, referring to earlier results with `@{ref.field}`."""
    return await serve(resources.composite, call, await json_body(request))


@router.post(COMPOSITE + "/batch")
async def batch(call: CallDep, request: Request) -> Response:
    """Up to 25 independent subrequests."""
    return await serve(resources.batch, call, await json_body(request))


@router.post(COMPOSITE + "/sobjects")
async def create_records(call: CallDep, request: Request) -> Response:
    """Create up to 200 records of any types."""
    return await serve(collections.create, call, await json_body(request))


@router.patch(COMPOSITE + "/sobjects")
async def update_records(call: CallDep, request: Request) -> Response:
    """Update up to 200 records named by id."""
    return await serve(collections.update, call, await json_body(request))


@router.delete(COMPOSITE + "/sobjects")
async def delete_records(
    call: CallDep,
    ids: str | None = None,
    all_or_none: Annotated[bool, Query(alias="allOrNone")] = False,
) -> Response:
    """Delete up to 200 records named by id."""
    return await serve(collections.delete, call, ids, all_or_none)


@router.get(COMPOSITE + "/sobjects/{sobject}")
async def retrieve_records(
    call: CallDep, sobject: str, ids: str | None = None, fields: str | None = None
) -> Response:
    """Up to 200 records of one type by id (null where an id matches nothing)."""
    return await serve(collections.retrieve, call, sobject, ids, fields)


@router.post(COMPOSITE + "/sobjects/{sobject}")
async def retrieve_records_by_body(call: CallDep, sobject: str, request: Request) -> Response:
    """The same retrieval with `{"ids": [...], "fields": [...]}` in the body."""
    body = await json_body(request)
    payload = body if isinstance(body, dict) else {}
    return await serve(
        collections.retrieve, call, sobject, payload.get("ids"), payload.get("fields")
    )


@router.patch(COMPOSITE + "/sobjects/{sobject}/{field}")
async def upsert_records(call: CallDep, sobject: str, field: str, request: Request) -> Response:
    """Upsert up to 200 records of one type on an external id field."""
    return await serve(collections.upsert, call, sobject, field, await json_body(request))
