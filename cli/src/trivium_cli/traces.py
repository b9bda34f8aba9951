"""Traces for `trivium trace`: the spans of one order, correlation id or trace id, as trees
across services, and how they print as a waterfall.

The spans come from the span files every service writes (`trivium.span_files`, `.run/traces/`
under `make run`) or from a trace query endpoint (`trivium_cli.trace_query`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from trivium.span_files import SpanRecord
from trivium.tracing import CORRELATION_ATTRIBUTE, WORK_ID_ATTRIBUTE
from trivium_cli.output import table

TRACE_ID_SHAPE = re.compile(r"^[0-9a-f]{32}$")
# The attributes an operator's id may name: the order or customer request, the correlation id.
ID_ATTRIBUTES = (WORK_ID_ATTRIBUTE, CORRELATION_ATTRIBUTE)
BAR_WIDTH = 30


@dataclass
class SpanNode:
    """A span with the spans it caused, earliest first."""

    span: SpanRecord
    children: list[SpanNode] = field(default_factory=list)


@dataclass(frozen=True)
class Trace:
    """One trace: its root spans (spans whose parent is not in it), earliest first."""

    trace_id: str
    roots: list[SpanNode]
    spans: int

    @property
    def start_unix_nano(self) -> int:
        return min(node.span.start_unix_nano for node in self.roots)

    @property
    def end_unix_nano(self) -> int:
        return max(span.end_unix_nano for span in self.walk_spans())

    @property
    def services(self) -> set[str]:
        return {span.service for span in self.walk_spans()}

    def walk(self) -> Iterable[tuple[int, SpanNode]]:
        """Every span node with its depth, depth first, earliest first."""
        stack = [(0, node) for node in reversed(self.roots)]
        while stack:
            depth, node = stack.pop()
            yield depth, node
            stack.extend((depth + 1, child) for child in reversed(node.children))

    def walk_spans(self) -> Iterable[SpanRecord]:
        return (node.span for _, node in self.walk())


def trace_ids_for(identifier: str, spans: Iterable[SpanRecord]) -> list[str]:
    """The traces `identifier` names: a trace id, or the traces with a span whose order,
    request or correlation id it is; earliest first."""
    wanted = identifier.strip()
    first_seen: dict[str, int] = {}
    for span in spans:
        if span.trace_id == wanted.lower() and TRACE_ID_SHAPE.match(wanted.lower()):
            matched = True
        else:
            matched = any(span.attributes.get(name) == wanted for name in ID_ATTRIBUTES)
        if matched:
            start = first_seen.get(span.trace_id, span.start_unix_nano)
            first_seen[span.trace_id] = min(start, span.start_unix_nano)
    return sorted(first_seen, key=first_seen.__getitem__)


def build_trace(trace_id: str, spans: Iterable[SpanRecord]) -> Trace:
    """The tree of the spans of `trace_id` (a span written twice is kept once)."""
    own = {span.span_id: span for span in spans if span.trace_id == trace_id}
    nodes = {span_id: SpanNode(span) for span_id, span in own.items()}
    children: dict[str, list[SpanNode]] = defaultdict(list)
    roots: list[SpanNode] = []
    for node in nodes.values():
        parent = node.span.parent_span_id
        if parent is not None and parent in nodes:
            children[parent].append(node)
        else:
            roots.append(node)
    for span_id, node in nodes.items():
        node.children = sorted(children[span_id], key=_start)
    return Trace(trace_id, sorted(roots, key=_start), len(nodes))


def find_traces(identifier: str, spans: Sequence[SpanRecord]) -> list[Trace]:
    """Every trace `identifier` names, each as a tree."""
    return [build_trace(trace_id, spans) for trace_id in trace_ids_for(identifier, spans)]


def _start(node: SpanNode) -> int:
    return node.span.start_unix_nano


def trace_document(trace: Trace) -> dict[str, Any]:
    """A trace as `--json` prints it: the tree, each span as its span file line has it
    (`trivium.span_files`) with its offset from the trace's start and its duration in ms."""
    origin = trace.start_unix_nano

    def node_document(node: SpanNode) -> dict[str, Any]:
        span = node.span
        return {
            **span.to_json(),
            "startOffsetMs": round((span.start_unix_nano - origin) / 1e6, 3),
            "durationMs": round(span.duration_ms, 3),
            "children": [node_document(child) for child in node.children],
        }

    return {
        "traceId": trace.trace_id,
        "start": _timestamp(origin),
        "durationMs": round((trace.end_unix_nano - origin) / 1e6, 3),
        "spanCount": trace.spans,
        "services": sorted(trace.services),
        "spans": [node_document(root) for root in trace.roots],
    }


def waterfall(trace: Trace, *, bar_width: int = BAR_WIDTH) -> list[str]:
    """The trace as lines of a terminal waterfall: service, operation (indented by depth),
    start offset, duration, status, and a bar placing the span in the trace's time."""
    origin = trace.start_unix_nano
    total = max(trace.end_unix_nano - origin, 1)
    rows = []
    for depth, node in trace.walk():
        span = node.span
        offset = span.start_unix_nano - origin
        first = min(int(offset / total * bar_width), bar_width - 1)
        length = max(1, round((span.end_unix_nano - span.start_unix_nano) / total * bar_width))
        bar = " " * first + "#" * min(length, bar_width - first)
        rows.append(
            (
                span.service,
                "  " * depth + span.name,
                f"+{offset / 1e6:.1f} ms",
                f"{span.duration_ms:.1f} ms",
                span.status if span.status != "unset" else "",
                f"|{bar.ljust(bar_width)}|",
            )
        )
    header = (
        f"trace {trace.trace_id}  {_timestamp(origin)}  {total / 1e6:.1f} ms, "
        f"{trace.spans} spans, {len(trace.services)} services"
    )
    return [header, *_columns(("SERVICE", "OPERATION", "START", "DURATION", "STATUS", ""), rows)]


def _columns(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    # Offsets and durations read best aligned on the right.
    right = (2, 3)
    widths = {i: max([len(headers[i]), *(len(row[i]) for row in rows)]) for i in right}
    aligned = [
        [cell.rjust(widths[i]) if i in widths else cell for i, cell in enumerate(row)]
        for row in rows
    ]
    return table([h.rjust(widths[i]) if i in widths else h for i, h in enumerate(headers)], aligned)


def _timestamp(unix_nano: int) -> str:
    moment = datetime.fromtimestamp(unix_nano / 1e9, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
