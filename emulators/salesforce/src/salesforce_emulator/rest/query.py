"""SOQL over REST: `/query` and `/queryAll`, paged with `nextRecordsUrl`."""

from __future__ import annotations

from typing import Any

from salesforce_emulator.domain.errors import bad_request
from salesforce_emulator.rest.context import CallContext, RestResponse
from salesforce_emulator.soql import QueryResult, SoqlError, execute_soql

MIN_BATCH, MAX_BATCH = 200, 2_000


def run_soql(call: CallContext, soql: str | None, *, include_deleted: bool) -> QueryResult:
    """All records of a query, or 400 with the SOQL engine's error code (no `fields` key)."""
    if not soql or not soql.strip():
        raise bad_request("MALFORMED_QUERY", "A query string has to be specified", fields=None)
    org = call.emulator.org
    try:
        with org.store.reading() as conn:
            return execute_soql(
                conn, org.catalog, soql, api_version=call.version,
                include_deleted=include_deleted,
            )  # fmt: skip
    except SoqlError as error:
        raise bad_request(error.error_code, error.message, fields=None) from error


def _batch_size(call: CallContext) -> int:
    size = call.batch_size or call.emulator.settings.query_batch_size
    return min(max(size, MIN_BATCH), MAX_BATCH)


def _next_url(call: CallContext, resource: str) -> Any:
    return lambda locator: f"{call.base}/{resource}/{locator}"


def query(call: CallContext, soql: str | None, *, include_deleted: bool = False) -> RestResponse:
    """GET /query?q= (or /queryAll): the first batch and a locator for the rest."""
    result = run_soql(call, soql, include_deleted=include_deleted)
    resource = "queryAll" if include_deleted else "query"
    body = call.emulator.locators.page(
        result.records, total_size=result.total_size, batch_size=_batch_size(call),
        next_url=_next_url(call, resource),
    )  # fmt: skip
    return RestResponse(200, body)


def query_more(call: CallContext, locator: str, *, include_deleted: bool = False) -> RestResponse:
    """GET /query/{locator}: the next batch."""
    resource = "queryAll" if include_deleted else "query"
    body = call.emulator.locators.next_page(locator, next_url=_next_url(call, resource))
    return RestResponse(200, body)
