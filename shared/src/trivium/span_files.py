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

`SpanFileProcessor` is how a process writes them: each span is encoded as it ends and the lines
are written from the event loop a moment later, in one `write`. A batch processor's thread would
cost more than the spans: on every wake-up it takes the GIL from the event loop, and it encodes
through a copy of each span.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode

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


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=str)
_string = encode_basestring_ascii


def span_line(span: ReadableSpan) -> str:
    """The span file's line of a finished SDK span."""
    context = span.get_span_context()
    assert context is not None  # an SDK span always has one
    resource = span.resource.attributes if span.resource is not None else {}
    start = span.start_time or 0
    return encode_span(
        context=context,
        parent=span.parent,
        service=str(resource.get("service.name", "unknown")),
        name=span.name,
        kind=span.kind,
        start=start,
        end=span.end_time or start,
        status=span.status,
        attributes=span.attributes or {},
    )


def encode_span(
    *,
    context: SpanContext,
    parent: SpanContext | None,
    service: str,
    name: str,
    kind: SpanKind,
    start: int,
    end: int,
    status: Status,
    attributes: Mapping[str, Any],
) -> str:
    """The span file's line of a finished span (`SpanRecord.to_json`'s object). This runs once
    per span in every traced process, so the line is written out directly: only the strings and
    the attributes go through the JSON encoder."""
    parent_id = f'"{parent.span_id:016x}"' if parent is not None else "null"
    message = status.description
    trace_state = context.trace_state
    if type(attributes) is not dict:
        attributes = dict(attributes)
    return (
        f'{{"traceId":"{context.trace_id:032x}","spanId":"{context.span_id:016x}",'
        f'"parentSpanId":{parent_id},"service":{_string(service)},"name":{_string(name)},'
        f'"kind":"{_KINDS.get(kind, "internal")}","startUnixNano":{int(start)},'
        f'"endUnixNano":{int(end)},"status":"{_STATUSES.get(status.status_code, "unset")}",'
        f'"statusMessage":{_string(message) if message is not None else "null"},'
        # JSON writes the SDK's tuples of scalars as arrays.
        f'"attributes":{_ENCODER.encode(attributes)},'
        f'"traceState":{_string(trace_state.to_header()) if trace_state else "null"}}}'
    )


def _open_append(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


class SpanFileExporter(SpanExporter):
    """Appends finished spans to one span file, for an SDK span processor."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = _open_append(path)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._fd is None:
            return SpanExportResult.FAILURE
        data = "".join(span_line(span) + "\n" for span in spans).encode()
        if not _append(self._fd, data, self.path):
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _append(fd: int, data: bytes, path: Path) -> bool:
    try:
        os.write(fd, data)
    except OSError as error:
        log.warning("tracing.span_file_failed", extra={"path": str(path), "error": error})
        return False
    return True


class SpanFileProcessor(SpanProcessor):
    """Writes the sampled spans a process finishes to one span file, at most `delay_seconds`
    after they end.

    A span is encoded as it ends (a string, which the garbage collector never walks) and kept;
    the event loop it ended in writes what is kept `delay_seconds` later, in one `write`, or at
    once when `max_lines` are kept. A span ended outside an event loop is written at once.
    `force_flush` and `shutdown` (at interpreter exit) write the rest."""

    def __init__(self, path: Path, *, delay_seconds: float = 5.0, max_lines: int = 512) -> None:
        self.path = path
        self.delay_seconds = delay_seconds
        self.max_lines = max_lines
        self._fd: int | None = _open_append(path)
        self._lines: list[str] = []
        self._lock = threading.Lock()
        # The loop that will write what is kept, while a write is pending there.
        self._writer: asyncio.AbstractEventLoop | None = None

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        context = span.context
        if context is None or not context.trace_flags.sampled:
            return
        self.keep(span_line(span))

    def keep(self, line: str) -> None:
        """Write the line of a finished span with the others kept (at once outside a loop)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._write([line])
            return
        with self._lock:
            self._lines.append(line)
            full = len(self._lines) >= self.max_lines
            schedule = not full and (self._writer is not loop or loop.is_closed())
            if schedule:
                self._writer = loop
        if full:
            self.force_flush()
        elif schedule:
            loop.call_later(self.delay_seconds, self._write_kept, loop)

    def _write_kept(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            if self._writer is loop:
                self._writer = None
        self.force_flush()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        with self._lock:
            lines, self._lines = self._lines, []
        return self._write(lines)

    def _write(self, lines: list[str]) -> bool:
        if not lines:
            return True
        if self._fd is None:
            log.warning("tracing.span_file_closed", extra={"path": str(self.path)})
            return False
        return _append(self._fd, ("\n".join(lines) + "\n").encode(), self.path)

    def shutdown(self) -> None:
        self.force_flush()
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


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
