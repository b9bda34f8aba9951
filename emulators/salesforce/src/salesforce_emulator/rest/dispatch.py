"""Subrequests of composite and batch calls, routed to the same resources as top-level calls."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from salesforce_emulator.domain.errors import SalesforceError, method_not_allowed, not_found
from salesforce_emulator.rest import collections, query, sobjects
from salesforce_emulator.rest.context import CallContext, RestResponse

SUBREQUEST_URL = re.compile(r"^/services/data/v(\d+\.\d)/(.*)$")


def _flag(params: dict[str, list[str]], name: str) -> bool:
    return params.get(name, ["false"])[0].lower() == "true"


def _param(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def dispatch(
    call: CallContext, method: str, url: str, body: Any, *, all_or_none: bool = False
) -> RestResponse:
    """Serve one subrequest; Salesforce errors become its response instead of propagating."""
    try:
        return _route(call, method, url, body, all_or_none=all_or_none)
    except SalesforceError as error:
        return RestResponse(error.status, error.to_json())


def _route(
    call: CallContext, method: str, url: str, body: Any, *, all_or_none: bool
) -> RestResponse:
    parts = urlsplit(url)
    match = SUBREQUEST_URL.match(parts.path.rstrip("/"))
    if match is None:
        raise not_found()
    call = replace(call, version=match.group(1))
    segments = [unquote(segment) for segment in match.group(2).split("/")]
    params = parse_qs(parts.query)
    head = segments[0]
    if head in ("query", "queryAll"):
        include_deleted = head == "queryAll"
        if len(segments) == 1 and method == "GET":
            return query.query(call, _param(params, "q"), include_deleted=include_deleted)
        if len(segments) == 2 and method == "GET":
            return query.query_more(call, segments[1], include_deleted=include_deleted)
        raise method_not_allowed(method, ["GET", "HEAD"])
    if head == "sobjects" and len(segments) >= 2:
        return _sobjects(call, method, segments[1:], params, body)
    if segments[:2] == ["composite", "sobjects"]:
        return _collections(call, method, segments[2:], params, body, all_or_none=all_or_none)
    if head == "limits" and len(segments) == 1:
        return RestResponse(200, call.emulator.limits.report())
    raise not_found()


def _sobjects(
    call: CallContext, method: str, rest: list[str], params: dict[str, list[str]], body: Any
) -> RestResponse:
    sobject = rest[0]
    fields = _param(params, "fields")
    field_list = [item for item in fields.split(",") if item] if fields else None
    if len(rest) == 1 and method == "POST":
        return sobjects.create_record(call, sobject, body)
    if len(rest) == 2:
        record_id = rest[1]
        if method == "GET":
            return sobjects.get_record(call, sobject, record_id, field_list)
        if method == "PATCH":
            return sobjects.update_record(call, sobject, record_id, body)
        if method == "DELETE":
            return sobjects.delete_record(call, sobject, record_id)
        if method == "POST" and record_id == "Id":
            return sobjects.insert_with_id_field(call, sobject, body)
        raise method_not_allowed(method, ["GET", "HEAD", "PATCH", "DELETE"])
    if len(rest) >= 3:
        field, value = rest[1], "/".join(rest[2:])
        if method == "GET":
            return sobjects.get_by_external_id(call, sobject, field, value, field_list)
        if method == "PATCH":
            return sobjects.upsert_by_external_id(
                call, sobject, field, value, body, update_only=_flag(params, "updateOnly")
            )
        if method == "DELETE":
            return sobjects.delete_by_external_id(call, sobject, field, value)
        raise method_not_allowed(method, ["GET", "HEAD", "PATCH", "DELETE"])
    raise not_found()


def _collections(
    call: CallContext,
    method: str,
    rest: list[str],
    params: dict[str, list[str]],
    body: Any,
    *,
    all_or_none: bool,
) -> RestResponse:
    if not rest:
        if method == "POST":
            return collections.create(call, body, force_all_or_none=all_or_none)
        if method == "PATCH":
            return collections.update(call, body, force_all_or_none=all_or_none)
        if method == "DELETE":
            return collections.delete(
                call, _param(params, "ids"), _flag(params, "allOrNone"),
                force_all_or_none=all_or_none,
            )  # fmt: skip
        raise method_not_allowed(method, ["POST", "PATCH", "DELETE"])
    if len(rest) == 1 and method == "GET":
        return collections.retrieve(call, rest[0], _param(params, "ids"), _param(params, "fields"))
    if len(rest) == 1 and method == "POST":
        payload = body if isinstance(body, dict) else {}
        return collections.retrieve(call, rest[0], payload.get("ids"), payload.get("fields"))
    if len(rest) == 2 and method == "PATCH":
        return collections.upsert(call, rest[0], rest[1], body, force_all_or_none=all_or_none)
    raise not_found()
