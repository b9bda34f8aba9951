"""Finding traces by id, building their trees and printing them, on spans made here."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from trivium.span_files import SpanRecord
from trivium_cli.main import app
from trivium_cli.settings import CliSettings
from trivium_cli.traces import build_trace, find_traces, trace_document, trace_ids_for, waterfall

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
OTHER_TRACE = "0af7651916cd43dd8448eb211c80319c"
MS = 1_000_000
START = 1_796_731_333_000 * MS


def span(
    span_id: str, parent: str | None, *, start_ms: float = 0, end_ms: float = 10,
    trace_id: str = TRACE, service: str = "gateway", name: str = "GET /thing", **attributes: object,
) -> SpanRecord:  # fmt: skip
    """A server span of `service`, ids padded to their length, times in ms after START."""
    padded = {"span_id": span_id.ljust(16, "0"), "parent_span_id": parent and parent.ljust(16, "0")}
    times = {
        "start_unix_nano": START + int(start_ms * MS),
        "end_unix_nano": START + int(end_ms * MS),
    }
    return SpanRecord(trace_id=trace_id, service=service, name=name, kind="server",
                      attributes=dict(attributes), **padded, **times)  # fmt: skip


def order_spans() -> list[SpanRecord]:
    """An order's trace, written out of order as processes write it, and another trace."""
    return [
        span("c", "b", service="quote-to-order", name="saga step check", start_ms=4, end_ms=6,
             **{"trivium.work_id": "O-1"}),
        span("a", None, service="gateway", name="POST partner-orders-create", end_ms=20,
             **{"trivium.correlation_id": "corr-1"}),
        span("d", "b", service="erp-system", name="s4hana POST A_SalesOrder", start_ms=7,
             end_ms=9),
        span("b", "a", service="quote-to-order", name="POST /orders", start_ms=2, end_ms=12),
        span("e", None, trace_id=OTHER_TRACE, **{"trivium.correlation_id": "corr-2"}),
    ]  # fmt: skip


class TestTraceIdsFor:
    def test_an_order_id_a_correlation_id_or_a_trace_id(self) -> None:
        spans = order_spans()
        assert trace_ids_for("O-1", spans) == [TRACE]
        assert trace_ids_for("corr-1", spans) == [TRACE]
        assert trace_ids_for(TRACE.upper(), spans) == [TRACE]
        assert trace_ids_for("corr-3", spans) == []

    def test_several_traces_earliest_first(self) -> None:
        spans = [
            span("a", None, start_ms=50, **{"trivium.work_id": "O-2"}),
            span("b", None, trace_id=OTHER_TRACE, start_ms=5, **{"trivium.work_id": "O-2"}),
        ]
        assert trace_ids_for("O-2", spans) == [OTHER_TRACE, TRACE]


class TestBuildTrace:
    def test_children_under_their_parents_earliest_first(self) -> None:
        trace = build_trace(TRACE, order_spans())

        assert [(depth, node.span.name) for depth, node in trace.walk()] == [
            (0, "POST partner-orders-create"),
            (1, "POST /orders"),
            (2, "saga step check"),
            (2, "s4hana POST A_SalesOrder"),
        ]
        assert trace.spans == 4
        assert trace.services == {"gateway", "quote-to-order", "erp-system"}

    def test_a_span_whose_parent_is_missing_is_a_root(self) -> None:
        trace = build_trace(TRACE, [s for s in order_spans() if s.name != "POST /orders"])

        assert [node.span.name for node in trace.roots] == [
            "POST partner-orders-create",
            "saga step check",
            "s4hana POST A_SalesOrder",
        ]


class TestOutput:
    def test_the_document_has_offsets_and_durations(self) -> None:
        [trace] = find_traces("O-1", order_spans())
        document = trace_document(trace)

        assert document["durationMs"] == 20
        assert document["spanCount"] == 4
        [root] = document["spans"]
        [call] = root["children"]
        assert (call["service"], call["startOffsetMs"], call["durationMs"]) == (
            "quote-to-order",
            2,
            10,
        )
        assert [child["name"] for child in call["children"]] == [
            "saga step check",
            "s4hana POST A_SalesOrder",
        ]

    def test_the_waterfall_places_each_span_in_time(self) -> None:
        [trace] = find_traces("O-1", order_spans())
        header, columns, *rows = waterfall(trace, bar_width=20)

        assert header.startswith(f"trace {TRACE}  2026-")
        assert header.endswith("20.0 ms, 4 spans, 3 services")
        assert columns.split() == ["SERVICE", "OPERATION", "START", "DURATION", "STATUS"]
        assert rows[0].split("|")[1] == "#" * 20
        assert "    saga step check" in rows[2]
        # 7 ms into a 20 ms trace, 2 ms long: from column 7 for 2 columns.
        assert rows[3].split("|")[1] == " " * 7 + "##" + " " * 11


class TestTraceCommand:
    def write_span_files(self, directory: Path) -> None:
        directory.mkdir()
        lines = [json.dumps(record.to_json()) for record in order_spans()]
        (directory / "gateway.jsonl").write_text("\n".join([*lines, '{"torn":']) + "\n")

    def test_reads_the_span_files(self, tmp_path: Path) -> None:
        self.write_span_files(tmp_path / "traces")
        settings = CliSettings(traces_dir=tmp_path / "traces")

        result = CliRunner().invoke(app, ["trace", "corr-1", "--json"], obj=settings)

        assert result.exit_code == 0, result.output
        assert [trace["traceId"] for trace in json.loads(result.stdout)["traces"]] == [TRACE]
        assert "skipped 1 lines of the span files that are no spans" in result.stderr

    def test_no_span_files(self, tmp_path: Path) -> None:
        settings = CliSettings(traces_dir=tmp_path / "none")

        result = CliRunner().invoke(app, ["trace", "O-1"], obj=settings)

        assert result.exit_code == 1
        assert f"no trace names 'O-1' in {tmp_path / 'none'}" in result.stderr
