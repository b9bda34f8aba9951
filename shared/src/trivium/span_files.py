"""Span files: the spans a process finished, one JSON object per line, appended to
`<TRIVIUM_TRACES_DIR>/<service>.jsonl` (what `make run` writes to `.run/traces/`, so that no
collector has to run locally).

One line is one span:

    {"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "spanId": "00f067aa0ba902b7",
     "parentSpanId": "53995c3f42cd8ad8" | null, "traceState": "vendor=value" | null,
     "service": "quote-to-order",
     "name": "saga step erp_order", "kind": "server" | "client" | "producer" | "consumer" |
     "internal", "startUnixNano": 1796731333123456789, "endUnixNano": 1796731333150456789,
     "status": "unset" | "ok" | "error", "statusMessage": "..." | null,
     "attributes": {"trivium.correlation_id": "...", ...}}

Every process of a service (replicas, workers) appends to the same file: each batch is one
`write` to a file opened with O_APPEND, so lines of two processes never interleave.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, StatusCode

log = logging.getLogger("trivium.tracing")

SPAN_FILE_SUFFIX = ".jsonl"
_KINDS = {
    SpanKind.SERVER: "server",
    SpanKind.CLIENT: "client",
    SpanKind.PRODUCER: "producer",
    SpanKind.CONSUMER: "consumer",
    SpanKind.INTERNAL: "internal",
}
_STATUSES = {StatusCode.UNSET: "unset", StatusCode.OK: "ok", StatusCode.ERROR: "error"}


@dataclass(frozen=True, slots=True)
class SpanRecord:
    """One finished span as a span file holds it."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    service: str
    name: str
    kind: str
    start_unix_nano: int
    end_unix_nano: int
    status: str = "unset"
    status_message: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    trace_state: str | None = None

    @property
    def duration_ms(self) -> float:
        return (self.end_unix_nano - self.start_unix_nano) / 1e6

    def to_json(self) -> dict[str, Any]:
        """The span's line, as a JSON object."""
        return {key: getattr(self, name) for name, key in _JSON_NAMES.items()}

    @classmethod
    def from_json(cls, line: dict[str, Any]) -> SpanRecord:
        """The span of a line; KeyError, TypeError or ValueError when it is not one."""
        return cls(
            trace_id=str(line["traceId"]),
            span_id=str(line["spanId"]),
            parent_span_id=line.get("parentSpanId") or None,
            service=str(line["service"]),
            name=str(line["name"]),
            kind=str(line.get("kind", "internal")),
            start_unix_nano=int(line["startUnixNano"]),
            end_unix_nano=int(line["endUnixNano"]),
            status=str(line.get("status", "unset")),
            status_message=line.get("statusMessage"),
            attributes=dict(line.get("attributes") or {}),
            trace_state=line.get("traceState") or None,
        )


def _json_name(field_name: str) -> str:
    """`parent_span_id` → `parentSpanId`, as OTLP's JSON names them."""
    first, *rest = field_name.split("_")
    return first + "".join(part.capitalize() for part in rest)


_JSON_NAMES = {name: _json_name(name) for name in SpanRecord.__dataclass_fields__}


def record_of(span: ReadableSpan) -> SpanRecord:
    """The span file's record of a finished SDK span."""
    context = span.get_span_context()
    assert context is not None  # an SDK span always has one
    resource = span.resource.attributes if span.resource is not None else {}
    return SpanRecord(
        trace_id=f"{context.trace_id:032x}",
        span_id=f"{context.span_id:016x}",
        parent_span_id=f"{span.parent.span_id:016x}" if span.parent is not None else None,
        service=str(resource.get("service.name", "unknown")),
        name=span.name,
        kind=_KINDS.get(span.kind, "internal"),
        start_unix_nano=span.start_time or 0,
        end_unix_nano=span.end_time or span.start_time or 0,
        status=_STATUSES.get(span.status.status_code, "unset"),
        status_message=span.status.description,
        attributes={key: _plain(value) for key, value in (span.attributes or {}).items()},
        trace_state=context.trace_state.to_header() or None,
    )


def _plain(value: Any) -> Any:
    # Attribute values are scalars or sequences of scalars (tuples in the SDK).
    return list(value) if isinstance(value, tuple) else value


class SpanFileExporter(SpanExporter):
    """Appends finished spans to one span file (called from the batch processor's thread)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._fd is None:
            return SpanExportResult.FAILURE
        data = "".join(
            json.dumps(record_of(span).to_json(), separators=(",", ":"), default=str) + "\n"
            for span in spans
        ).encode()
        try:
            os.write(self._fd, data)
        except OSError as error:
            log.warning("tracing.span_file_failed", extra={"path": str(self.path), "error": error})
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass(frozen=True, slots=True)
class SpanFiles:
    """What the span files of a directory hold, and how many lines were not spans."""

    spans: list[SpanRecord]
    unreadable_lines: int


def read_span_files(directory: Path) -> SpanFiles:
    """Every span in the span files of `directory` (none when it does not exist)."""
    paths = sorted(directory.glob(f"*{SPAN_FILE_SUFFIX}")) if directory.is_dir() else []
    spans: list[SpanRecord] = []
    unreadable = 0
    for path in paths:
        for record in _records(path.read_text(errors="replace").splitlines()):
            if record is None:
                unreadable += 1
            else:
                spans.append(record)
    return SpanFiles(spans, unreadable)


def _records(lines: Iterable[str]) -> Iterator[SpanRecord | None]:
    for line in lines:
        if not line.strip():
            continue
        try:
            yield SpanRecord.from_json(json.loads(line))
        except (KeyError, TypeError, ValueError, AttributeError):
            yield None
