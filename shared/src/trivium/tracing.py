"""OpenTelemetry tracing of every Trivium process, and the W3C trace context it carries.

One tracer provider per process, installed by `create_service_app` (and a worker process's main),
so that every service, the emulators and the local gateway trace the same way:
- a server span per request (`trivium.middleware`), a client span per outbound call
  (`trivium.http_client`, named by operation where the System APIs say which), a producer span per
  queued message and a consumer span per delivery (`trivium.work_queue`, the context travelling
  in the stream entry, and in a dead letter until it is replayed), and a span per saga step
  (`run_step`);
- a saga keeps the trace context of the request that created it (`current_trace_context`), so
  that its wake-ups (retries, hand-overs, the watchdog) continue that trace;
- `traceparent` and `tracestate` (W3C Trace Context) are read from every request and message and
  written on every call and message (`inject_trace_context`, used by
  `trivium.correlation.outbound_headers`);
- the spans are `trivium.spans`' own, behind OpenTelemetry's API and made by the SDK's provider
  (its sampler, resource and processors): the SDK's span costs several times as much;
- finished spans go to the span file of `TRIVIUM_TRACES_DIR` (`trivium.span_files`, written from
  the event loop) and over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (a batch processor's
  thread, only then); sampling is OpenTelemetry's own, from
  `OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG` (parent-based, every trace, by default), and
  `OTEL_SDK_DISABLED=true` turns tracing off (the context is still passed on).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Protocol, TypeVar

from fastapi.telemetry import TelemetryConfig
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from trivium.settings import ServiceSettings
from trivium.span_files import SPAN_FILE_SUFFIX, SpanFileProcessor
from trivium.spans import TriviumTracerProvider

log = logging.getLogger("trivium.tracing")

TRACER_NAME = "trivium"
TRACE_HEADERS = ("traceparent", "tracestate")
CORRELATION_ATTRIBUTE = "trivium.correlation_id"
# The order or customer request a span works on: what `trivium trace` finds a trace by.
WORK_ID_ATTRIBUTE = "trivium.work_id"
# What an app may put in the ASGI scope to name its request's server span (the local gateway:
# the kong.yml route, as Kong names its own).
SPAN_NAME_SCOPE_KEY = "trivium.span_name"

T = TypeVar("T")

# FastAPI's own telemetry, off: the request middleware already makes the server span (with the
# correlation id, the gateway's route names and no spans for probes), and FastAPI's operation
# spans (dependencies, endpoint, serialization) would cost CPU on every request for little.
FASTAPI_TELEMETRY_OFF = TelemetryConfig(
    tracing=False, metrics=False, logs=False, operation_spans=False, auto_configure=False
)

_PROPAGATOR = TraceContextTextMapPropagator()
_installed: TracerProvider | None = None
_tracer: trace.Tracer | None = None


def install_tracing(settings: ServiceSettings, *, service: str | None = None) -> TracerProvider:
    """This process's tracer provider for `service` (the settings' service name by default).

    The first call in a process installs it; later calls (tests build many apps in one process)
    return the one installed."""
    global _installed, _tracer
    if _installed is not None:
        return _installed
    name = service or settings.service_name
    provider = TriviumTracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    if settings.traces_dir is not None:
        span_file = settings.traces_dir / f"{name}{SPAN_FILE_SUFFIX}"
        delay = settings.traces_write_delay_ms / 1000
        provider.add_span_processor(SpanFileProcessor(span_file, delay_seconds=delay))
    otlp_url = settings.otlp_traces_url
    if otlp_url is not None:
        # Imported only when used: the exporter pulls in protobuf.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_url)))
    trace.set_tracer_provider(provider)
    _installed = provider
    _tracer = provider.get_tracer(TRACER_NAME)
    log.debug(
        "tracing.installed",
        extra={"traces_dir": str(settings.traces_dir or ""), "otlp": otlp_url or ""},
    )
    return provider


def tracer() -> trace.Tracer:
    """Trivium's tracer: the installed provider's, or before `install_tracing` one that follows
    the provider installed later."""
    return _tracer or _proxy_tracer()


@functools.cache
def _proxy_tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def inject_trace_context(carrier: MutableMapping[str, str], context: Context | None = None) -> None:
    """Write the current (or the given) trace context as `traceparent` and `tracestate`."""
    _PROPAGATOR.inject(carrier, context=context)


def extract_trace_context(carrier: Mapping[str, str]) -> Context:
    """The trace context `traceparent` and `tracestate` of `carrier` name (empty when absent or
    malformed: a new trace starts, as W3C says)."""
    return _PROPAGATOR.extract({name: carrier[name] for name in TRACE_HEADERS if name in carrier})


def current_trace_context() -> dict[str, str] | None:
    """The current trace context as `traceparent` and `tracestate`, for work that outlives the
    request to keep and continue later (None outside a trace)."""
    carrier: dict[str, str] = {}
    inject_trace_context(carrier)
    return carrier or None


def traceparent(span: Span) -> str | None:
    """The `traceparent` value naming `span`; None for a span without a valid context."""
    context = span.get_span_context()
    if not context.is_valid:
        return None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def current_trace_id() -> str | None:
    """The trace id of the current span, if there is one."""
    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None


def mark_failed(span: Span, description: str) -> None:
    """Set the span's status to error with `description`."""
    span.set_status(Status(StatusCode.ERROR, description))


class StepTimer(Protocol):
    """Where a saga's step durations are measured."""

    def step_duration(self, step: str, seconds: float) -> None: ...


async def run_step(
    step: str, run: Callable[[], Awaitable[T]], *, saga: str, work_id: str, metrics: StepTimer
) -> T:
    """One step of a saga (`work_id` the order or request it runs) in a span of its own, its
    duration given to `metrics` however it ends."""
    with tracer().start_as_current_span(
        f"saga step {step}",
        kind=SpanKind.INTERNAL,
        attributes={"trivium.saga": saga, "trivium.saga.step": step, WORK_ID_ATTRIBUTE: work_id},
    ):
        started = time.perf_counter()
        try:
            return await run()
        finally:
            metrics.step_duration(step, time.perf_counter() - started)
