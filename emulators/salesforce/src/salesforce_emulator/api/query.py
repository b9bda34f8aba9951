"""SOQL: `/query`, `/queryAll` and their `nextRecordsUrl` locators."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from salesforce_emulator.api.deps import CallDep
from salesforce_emulator.api.responses import serve
from salesforce_emulator.rest import query as resources

router = APIRouter(tags=["query"])
DATA = "/services/data/v{version}"


@router.get(DATA + "/query")
async def query(call: CallDep, q: str | None = None) -> Response:
    """Run a SOQL query: `totalSize`, `done`, `records` and, when more remain, `nextRecordsUrl`."""
    return await serve(resources.query, call, q)


@router.get(DATA + "/queryAll")
async def query_all(call: CallDep, q: str | None = None) -> Response:
    """Like `/query`, including deleted records."""
    return await serve(resources.query, call, q, include_deleted=True)


@router.get(DATA + "/query/{locator}")
async def query_more(call: CallDep, locator: str) -> Response:
    """The next batch of a query."""
    return await serve(resources.query_more, call, locator)


@router.get(DATA + "/queryAll/{locator}")
async def query_all_more(call: CallDep, locator: str) -> Response:
    """The next batch of a queryAll."""
    return await serve(resources.query_more, call, locator, include_deleted=True)
