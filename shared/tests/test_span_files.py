"""Span files: what a process's spans are written as, and read back."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, Sampler
from opentelemetry.trace import SpanKind, Status, StatusCode

from trivium.span_files import SpanFileExporter, SpanFileProcessor, SpanRecord, read_span_files
from trivium.spans import TriviumTracerProvider
from trivium.tracing import extract_trace_context


def traced_provider(path: Path, service: str) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(SpanFileExporter(path)))
    return provider


class TestSpanFileExporter:
    def test_spans_read_back_as_written(self, tmp_path: Path) -> None:
        provider = traced_provider(tmp_path / "traces" / "erp-system.jsonl", "erp-system")
        tracer = provider.get_tracer("test")
        caller = extract_trace_context(
            {"traceparent": f"00-{'a' * 32}-{'b' * 16}-01", "tracestate": "vendor=1"}
        )
        with tracer.start_as_current_span(
            "POST /sales-orders", context=caller, kind=SpanKind.SERVER
        ) as server:
            server.set_attribute("http.response.status_code", 201)
            with tracer.start_as_current_span(
                "s4hana POST A_SalesOrder", kind=SpanKind.CLIENT, attributes={"tags": ("a", "b")}
            ) as call:
                call.set_status(Status(StatusCode.ERROR, "answered 503"))
        provider.shutdown()

        files = read_span_files(tmp_path / "traces")

        assert files.unreadable_lines == 0
        inner, outer = files.spans
        assert (outer.name, outer.kind, outer.service) == (
            "POST /sales-orders",
            "server",
            "erp-system",
        )
        assert (outer.trace_id, outer.parent_span_id) == ("a" * 32, "b" * 16)
        assert outer.attributes == {"http.response.status_code": 201}
        assert outer.trace_state == "vendor=1"
        assert (inner.kind, inner.parent_span_id) == ("client", outer.span_id)
        assert (inner.status, inner.status_message) == ("error", "answered 503")
        assert inner.attributes == {"tags": ["a", "b"]}
        assert outer.start_unix_nano <= inner.start_unix_nano <= inner.end_unix_nano
        assert inner.end_unix_nano <= outer.end_unix_nano

    def test_two_processes_append_to_one_file(self, tmp_path: Path) -> None:
        path = tmp_path / "quote-to-order.jsonl"
        for replica in ("one", "two"):
            provider = traced_provider(path, "quote-to-order")
            provider.get_tracer("test").start_span(replica).end()
            provider.shutdown()

        assert [span.name for span in read_span_files(tmp_path).spans] == ["one", "two"]


def provider_with(processor: SpanFileProcessor, sampler: Sampler | None = None) -> TracerProvider:
    resource = Resource.create({"service.name": "erp-system"})
    provider = TriviumTracerProvider(resource=resource, sampler=sampler)
    provider.add_span_processor(processor)
    return provider


def names_in(directory: Path) -> list[str]:
    return [span.name for span in read_span_files(directory).spans]


async def written(directory: Path, count: int) -> list[str]:
    """The span names in `directory` once `count` are there (the event loop writes them)."""
    for _ in range(1000):
        names = names_in(directory)
        if len(names) >= count:
            return names
        await asyncio.sleep(0.005)
    return names_in(directory)


class TestSpanFileProcessor:
    @pytest.mark.asyncio
    async def test_the_event_loop_writes_a_moment_after_the_spans_end(self, tmp_path: Path) -> None:
        processor = SpanFileProcessor(tmp_path / "erp-system.jsonl", delay_seconds=0.01)
        tracer = provider_with(processor).get_tracer("test")
        with tracer.start_as_current_span("POST /sales-orders"):
            tracer.start_span("s4hana POST A_SalesOrder").end()

        assert names_in(tmp_path) == []  # kept, not yet written
        assert await written(tmp_path, 2) == ["s4hana POST A_SalesOrder", "POST /sales-orders"]
        processor.shutdown()

    @pytest.mark.asyncio
    async def test_a_full_batch_is_written_at_once(self, tmp_path: Path) -> None:
        processor = SpanFileProcessor(tmp_path / "gateway.jsonl", delay_seconds=60, max_lines=3)
        tracer = provider_with(processor).get_tracer("test")
        for name in ("one", "two", "three", "four"):
            tracer.start_span(name).end()

        assert names_in(tmp_path) == ["one", "two", "three"]
        processor.shutdown()
        assert names_in(tmp_path) == ["one", "two", "three", "four"]

    def test_a_span_ended_outside_an_event_loop_is_written_at_once(self, tmp_path: Path) -> None:
        processor = SpanFileProcessor(tmp_path / "quote-to-order.jsonl", delay_seconds=60)
        provider_with(processor).get_tracer("test").start_span("saga step check").end()

        assert names_in(tmp_path) == ["saga step check"]
        processor.shutdown()

    @pytest.mark.asyncio
    async def test_unsampled_spans_are_not_written(self, tmp_path: Path) -> None:
        processor = SpanFileProcessor(tmp_path / "gateway.jsonl", delay_seconds=0)
        provider_with(processor, sampler=ALWAYS_OFF).get_tracer("test").start_span("GET").end()
        processor.force_flush()

        assert names_in(tmp_path) == []
        processor.shutdown()


class TestReadSpanFiles:
    def test_lines_that_are_no_spans_are_counted(self, tmp_path: Path) -> None:
        good = SpanRecord(
            trace_id="c" * 32, span_id="d" * 16, parent_span_id=None, service="gateway",
            name="GET partner-api", kind="server", start_unix_nano=1, end_unix_nano=2_000_001,
        )  # fmt: skip
        torn = '{"traceId": "x"}\n{"torn\n\n'
        (tmp_path / "gateway.jsonl").write_text(json.dumps(good.to_json()) + "\n" + torn)
        (tmp_path / "notes.txt").write_text("not a span file")

        files = read_span_files(tmp_path)

        assert files.spans == [good]
        assert files.spans[0].duration_ms == 2.0
        assert files.unreadable_lines == 2

    def test_a_missing_directory_holds_no_spans(self, tmp_path: Path) -> None:
        assert read_span_files(tmp_path / "none").spans == []
