"""Trivium's tracer: spans as the SDK would record them, sampled by the SDK's samplers, written to
the span file and handed to the SDK's processors."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ParentBasedTraceIdRatio,
    Sampler,
    TraceIdRatioBased,
)
from opentelemetry.trace import SpanKind, StatusCode

from trivium.span_files import SpanFileProcessor, read_span_files
from trivium.spans import TriviumSpan, TriviumTracerProvider
from trivium.tracing import extract_trace_context, traceparent

CALLER = {"traceparent": f"00-{'a' * 32}-{'b' * 16}-01", "tracestate": "vendor=opaque"}
UNSAMPLED_CALLER = {"traceparent": f"00-{'a' * 32}-{'b' * 16}-00"}


def provider(sampler: Sampler | None = None) -> tuple[TriviumTracerProvider, InMemorySpanExporter]:
    """A provider for `quote-to-order`, its finished spans kept in the exporter returned."""
    spans = InMemorySpanExporter()
    made = TriviumTracerProvider(
        resource=Resource.create({"service.name": "quote-to-order"}),
        sampler=sampler,
        shutdown_on_exit=False,
    )
    made.add_span_processor(SimpleSpanProcessor(spans))
    return made, spans


class TestStartSpan:
    def test_a_child_of_the_callers_context(self) -> None:
        tracer = provider()[0].get_tracer("test")

        span = tracer.start_span("GET", context=extract_trace_context(CALLER), kind=SpanKind.SERVER)

        assert isinstance(span, TriviumSpan)
        context = span.get_span_context()
        assert context.trace_id == int("a" * 32, 16)
        assert span.parent is not None
        assert span.parent.span_id == int("b" * 16, 16)
        assert traceparent(span) == f"00-{'a' * 32}-{context.span_id:016x}-01"
        assert context.trace_state.to_header() == "vendor=opaque"

    def test_a_new_trace_has_the_flags_the_sdk_gives_it(self) -> None:
        ours = provider()[0].get_tracer("test").start_span("GET")
        sdks = TracerProvider(shutdown_on_exit=False).get_tracer("test").start_span("GET")

        assert ours.get_span_context().trace_flags.sampled
        assert ours.get_span_context().trace_flags == sdks.get_span_context().trace_flags
        assert ours.parent is None  # type: ignore[attr-defined]

    def test_an_unsampled_caller_is_followed(self) -> None:
        tracer = provider()[0].get_tracer("test")

        span = tracer.start_span("GET", context=extract_trace_context(UNSAMPLED_CALLER))

        assert not span.is_recording()
        assert span.get_span_context().trace_id == int("a" * 32, 16)

    @pytest.mark.parametrize(
        ("sampler", "recorded"),
        [
            (ALWAYS_OFF, False),
            (ParentBasedTraceIdRatio(0.0), False),
            (TraceIdRatioBased(1.0), True),
        ],
    )
    def test_the_configured_sampler_decides_new_traces(
        self, sampler: Sampler, recorded: bool
    ) -> None:
        made, spans = provider(sampler)

        made.get_tracer("test").start_span("GET").end()

        assert len(spans.get_finished_spans()) == int(recorded)

    def test_each_tracer_names_its_scope(self) -> None:
        made, spans = provider()

        made.get_tracer("trivium").start_span("GET").end()
        made.get_tracer("trivium_gateway").start_span("GET").end()

        scopes = [span.instrumentation_scope for span in spans.get_finished_spans()]
        assert [scope.name if scope else None for scope in scopes] == ["trivium", "trivium_gateway"]
        assert made.get_tracer("trivium") is made.get_tracer("trivium")

    def test_tracing_disabled_makes_no_spans(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("OTEL_SDK_DISABLED", "true")

        tracer = provider()[0].get_tracer("test")

        assert not tracer.start_span("GET").is_recording()


class TestStartAsCurrentSpan:
    def test_the_span_is_current_inside_and_ended_after(self) -> None:
        made, spans = provider()
        tracer = made.get_tracer("test")

        with tracer.start_as_current_span("saga step check", attributes={"a": 1}) as outer:
            with tracer.start_as_current_span("salesforce query Account") as inner:
                assert trace.get_current_span() is inner
            assert trace.get_current_span() is outer

        assert trace.get_current_span() is not outer
        inner_record, outer_record = spans.get_finished_spans()
        assert inner_record.parent == outer.get_span_context()
        assert outer_record.attributes == {"a": 1}
        assert outer_record.resource.attributes["service.name"] == "quote-to-order"
        assert outer_record.start_time <= inner_record.start_time  # type: ignore[operator]
        assert inner_record.end_time <= outer_record.end_time  # type: ignore[operator]

    def test_an_escaping_error_is_recorded(self) -> None:
        made, spans = provider()

        tracer = made.get_tracer("test")

        with pytest.raises(LookupError), tracer.start_as_current_span("saga step erp_order"):
            raise LookupError("no such quote")

        [record] = spans.get_finished_spans()
        assert record.status.status_code is StatusCode.ERROR
        assert record.status.description == "LookupError: no such quote"
        [event] = record.events
        assert event.name == "exception"
        assert event.attributes is not None
        assert event.attributes["exception.type"] == "LookupError"


class TestSpan:
    def test_an_ended_span_changes_no_more(self) -> None:
        made, spans = provider()
        span = made.get_tracer("test").start_span("GET")
        span.end()

        span.set_attribute("late", True)
        span.update_name("POST")
        span.set_status(StatusCode.ERROR)
        span.end()

        [record] = spans.get_finished_spans()
        assert (record.name, record.attributes, record.status.status_code) == (
            "GET",
            {},
            StatusCode.UNSET,
        )

    def test_ok_is_final(self) -> None:
        made, spans = provider()
        span = made.get_tracer("test").start_span("GET")

        span.set_status(StatusCode.OK)
        span.set_status(StatusCode.ERROR, "too late")
        span.end()

        assert spans.get_finished_spans()[0].status.status_code is StatusCode.OK


class TestSpanFile:
    def test_the_span_file_gets_the_line_and_other_processors_the_sdk_span(
        self, tmp_path: Path
    ) -> None:
        made, spans = provider()
        span_file = SpanFileProcessor(tmp_path / "quote-to-order.jsonl")
        made.add_span_processor(span_file)
        tracer = made.get_tracer("test")

        with tracer.start_as_current_span(
            "POST /v1/orders", context=extract_trace_context(CALLER), kind=SpanKind.SERVER
        ) as span:
            span.set_attribute("http.route", "/v1/orders")
            span.set_status(StatusCode.ERROR, 'answered "503"')
        span_file.shutdown()

        [line] = read_span_files(tmp_path).spans
        [record] = spans.get_finished_spans()
        context = span.get_span_context()
        assert (line.trace_id, line.span_id, line.parent_span_id) == (
            "a" * 32,
            f"{context.span_id:016x}",
            "b" * 16,
        )
        assert (line.service, line.name, line.kind) == ("quote-to-order", "POST /v1/orders",
                                                         "server")  # fmt: skip
        assert (line.status, line.status_message) == ("error", 'answered "503"')
        assert line.attributes == {"http.route": "/v1/orders"} == record.attributes
        assert line.trace_state == "vendor=opaque"
        assert (line.start_unix_nano, line.end_unix_nano) == (record.start_time, record.end_time)


class TestOtlp:
    def test_a_span_encodes_for_an_otlp_collector(self) -> None:
        made, spans = provider()
        tracer = made.get_tracer("trivium")

        caller = trace.get_current_span(extract_trace_context(CALLER)).get_span_context()
        span = tracer.start_span(
            "erp POST", kind=SpanKind.CLIENT, attributes={"tags": ("a", "b"), "n": 3}
        )
        span.add_link(caller)
        span.record_exception(ValueError("boom"))
        span.set_status(StatusCode.ERROR, "ValueError: boom")
        span.end()

        request = encode_spans(spans.get_finished_spans())
        [resource_spans] = request.resource_spans
        [scope_spans] = resource_spans.scope_spans
        [encoded] = scope_spans.spans
        assert scope_spans.scope.name == "trivium"
        assert encoded.name == "erp POST"
        assert encoded.status.message == "ValueError: boom"
        assert [event.name for event in encoded.events] == ["exception"]
        assert len(encoded.links) == 1
        assert {attribute.key for attribute in encoded.attributes} == {"tags", "n"}
