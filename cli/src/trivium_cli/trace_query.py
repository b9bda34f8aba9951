"""Spans from a trace store's query API instead of the span files: Grafana Tempo, or Jaeger's
OTLP query API (`/api/v3`), both answering OTLP JSON.

A trace id is read at once (`GET /api/traces/<id>`, Jaeger: `/api/v3/traces/<id>`); an order,
request or correlation id is first searched for as a span attribute (Tempo's
`GET /api/search?tags=...`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from trivium.span_files import SpanRecord
from trivium_cli.traces import ID_ATTRIBUTES, TRACE_ID_SHAPE

_KINDS = {1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
_STATUSES = {0: "unset", 1: "ok", 2: "error"}


class TraceQueryError(Exception):
    """The trace store did not answer as expected."""


def query_spans(base_url: str, identifier: str, *, timeout: float) -> list[SpanRecord]:
    """Every span of the traces `identifier` names, as the store at `base_url` holds them."""
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout) as client:
        wanted = identifier.strip().lower()
        trace_ids = [wanted] if TRACE_ID_SHAPE.match(wanted) else _search(client, identifier)
        spans: list[SpanRecord] = []
        for trace_id in trace_ids:
            spans.extend(spans_of_document(_get(client, _trace_path(base_url, trace_id))))
        return spans


def _trace_path(base_url: str, trace_id: str) -> str:
    return (
        f"/traces/{trace_id}"
        if base_url.rstrip("/").endswith("/api/v3")
        else f"/api/traces/{trace_id}"
    )


def _search(client: httpx.Client, identifier: str) -> list[str]:
    found: list[str] = []
    for attribute in ID_ATTRIBUTES:
        # Tempo's tags are logfmt: a quoted value may hold any character.
        quoted = identifier.replace("\\", "\\\\").replace('"', '\\"')
        answer = _get(client, "/api/search", params={"tags": f'{attribute}="{quoted}"'})
        for item in answer.get("traces") or []:
            trace_id = _hex_id(str(item.get("traceID", "")), 32)
            if trace_id and trace_id not in found:
                found.append(trace_id)
    return found


def _get(client: httpx.Client, path: str, **options: Any) -> dict[str, Any]:
    try:
        response = client.get(path, headers={"Accept": "application/json"}, **options)
    except httpx.HTTPError as error:
        message = f"the trace store at {client.base_url} cannot be reached: {error}"
        raise TraceQueryError(message) from error
    if response.status_code == 404:
        return {}
    if response.status_code >= 400:
        raise TraceQueryError(f"the trace store answered {response.status_code} to {path}")
    try:
        document = response.json()
    except ValueError as error:
        raise TraceQueryError(f"the trace store sent no JSON for {path}") from error
    return document if isinstance(document, dict) else {}


def spans_of_document(document: Mapping[str, Any]) -> list[SpanRecord]:
    """The spans of an OTLP JSON trace (`resourceSpans`, Tempo's `batches`, under `result` in
    Jaeger's answer), with ids in hex or in base64 (protobuf's JSON mapping)."""
    body = document.get("result", document)
    resources = body.get("resourceSpans") or body.get("batches") or []
    return [span for resource in resources for span in _resource_spans(resource)]


def _resource_spans(resource: Mapping[str, Any]) -> Iterator[SpanRecord]:
    attributes = _attributes((resource.get("resource") or {}).get("attributes"))
    service = str(attributes.get("service.name", "unknown"))
    scopes = resource.get("scopeSpans") or resource.get("instrumentationLibrarySpans") or []
    for scope in scopes:
        for span in scope.get("spans") or []:
            status = span.get("status") or {}
            yield SpanRecord(
                trace_id=_hex_id(span["traceId"], 32),
                span_id=_hex_id(span["spanId"], 16),
                parent_span_id=_hex_id(span.get("parentSpanId") or "", 16) or None,
                service=service,
                name=str(span.get("name", "")),
                kind=_enum(span.get("kind"), _KINDS, "SPAN_KIND_", "internal"),
                start_unix_nano=int(span.get("startTimeUnixNano", 0)),
                end_unix_nano=int(span.get("endTimeUnixNano", 0)),
                status=_enum(status.get("code"), _STATUSES, "STATUS_CODE_", "unset"),
                status_message=status.get("message") or None,
                attributes=_attributes(span.get("attributes")),
            )


def _hex_id(value: str, length: int) -> str:
    if not value:
        return ""
    lowered = value.lower()
    if len(lowered) == length and all(c in "0123456789abcdef" for c in lowered):
        return lowered
    try:
        return base64.b64decode(value, validate=True).hex().rjust(length, "0")
    except (binascii.Error, ValueError):
        return lowered


def _enum(value: Any, names: Mapping[int, str], prefix: str, default: str) -> str:
    if isinstance(value, int):
        return names.get(value, default)
    if isinstance(value, str) and value.startswith(prefix):
        return value.removeprefix(prefix).lower() if value != f"{prefix}UNSPECIFIED" else default
    return default


def _attributes(items: Any) -> dict[str, Any]:
    return {item["key"]: _value(item.get("value") or {}) for item in items or [] if "key" in item}


def _value(value: Mapping[str, Any]) -> Any:
    for kind in ("stringValue", "boolValue", "doubleValue"):
        if kind in value:
            return value[kind]
    if "intValue" in value:
        return int(value["intValue"])
    if "arrayValue" in value:
        return [_value(item) for item in value["arrayValue"].get("values") or []]
    return None
