"""The process's tracing: installed once, W3C trace context in and out, saga step spans."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from trivium.correlation import correlation_id_var, outbound_headers
from trivium.settings import ServiceSettings
from trivium.tracing import (
    current_trace_id,
    extract_trace_context,
    inject_trace_context,
    install_tracing,
    run_step,
    tracer,
)

CALLER = {"traceparent": f"00-{'a' * 32}-{'b' * 16}-01", "tracestate": "vendor=opaque"}


class TestInstallTracing:
    def test_the_first_provider_stays(self, tmp_path: Path) -> None:
        installed = install_tracing(ServiceSettings())

        again = install_tracing(ServiceSettings(service_name="other", traces_dir=tmp_path))

        assert again is installed
        assert not list(tmp_path.iterdir())


class TestOtlpSettings:
    @pytest.mark.parametrize(
        ("environment", "url"),
        [
            ({}, None),
            ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"},
             "http://collector:4318/v1/traces"),
            ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
              "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://tempo:4318/otlp/v1/traces"},
             "http://tempo:4318/otlp/v1/traces"),
        ],
    )  # fmt: skip
    def test_the_standard_variables(
        self, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], url: str | None
    ) -> None:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)

        assert ServiceSettings().otlp_traces_url == url


class TestTraceContext:
    def test_traceparent_and_tracestate_are_carried_on(
        self, recorded_spans: InMemorySpanExporter
    ) -> None:
        token = otel_context.attach(extract_trace_context(CALLER))
        correlation = correlation_id_var.set("corr-5")
        try:
            with tracer().start_as_current_span("work") as span:
                headers = outbound_headers()
                assert current_trace_id() == "a" * 32
        finally:
            correlation_id_var.reset(correlation)
            otel_context.detach(token)

        assert headers == {
            "x-correlation-id": "corr-5",
            "traceparent": f"00-{'a' * 32}-{span.get_span_context().span_id:016x}-01",
            "tracestate": "vendor=opaque",
        }

    @pytest.mark.parametrize(
        "traceparent",
        ["", "00-xyz", f"00-{'0' * 32}-{'b' * 16}-01", f"ff-{'a' * 32}-{'b' * 16}-01"],
    )
    def test_a_missing_or_malformed_traceparent_starts_a_new_trace(self, traceparent: str) -> None:
        carrier: dict[str, str] = {}
        inject_trace_context(carrier, extract_trace_context({"traceparent": traceparent}))

        assert carrier == {}


@pytest.mark.asyncio
class TestRunStep:
    async def test_a_step_is_a_span_and_a_duration(
        self, recorded_spans: InMemorySpanExporter
    ) -> None:
        durations: list[tuple[str, float]] = []

        async def check() -> str:
            return "checked"

        result = await run_step(
            "check", check, saga="quote-to-order", work_id="O-1", metrics=Timer(durations)
        )

        assert result == "checked"
        [span] = recorded_spans.get_finished_spans()
        assert span.name == "saga step check"
        assert span.attributes == {
            "trivium.saga": "quote-to-order",
            "trivium.saga.step": "check",
            "trivium.work_id": "O-1",
        }
        assert [step for step, _ in durations] == ["check"]

    async def test_a_failed_step_is_an_error_and_still_timed(
        self, recorded_spans: InMemorySpanExporter
    ) -> None:
        durations: list[tuple[str, float]] = []

        async def refuse() -> str:
            raise LookupError("no such quote")

        with pytest.raises(LookupError):
            await run_step(
                "identify", refuse, saga="quote-to-order", work_id="O-2", metrics=Timer(durations)
            )

        [span] = recorded_spans.get_finished_spans()
        assert span.status.status_code is StatusCode.ERROR
        assert [step for step, _ in durations] == ["identify"]


@dataclass
class Timer:
    durations: list[tuple[str, float]]

    def step_duration(self, step: str, seconds: float) -> None:
        self.durations.append((step, seconds))
