"""Trivium's tracer: OpenTelemetry's API and SDK provider, with spans of its own.

An order makes a few dozen spans across the suite, and the SDK's span costs most of what tracing
costs a request: a lock, bounded attribute and event lists (each with a lock of its own), a
`ReadableSpan` copy when it ends, and `start_as_current_span` as a generator around `use_span`.
`TriviumTracerProvider` is the SDK's provider (its resource, id generator and sampler, so
`OTEL_TRACES_SAMPLER` and `OTEL_SDK_DISABLED` apply as usual) whose tracer makes `TriviumSpan`s:
one object per span, its attributes a plain dict, written to the span file straight from the
span as it ends. Only when the provider has other processors (the OTLP batch processor, a test's
recorder) is a `ReadableSpan` built for them; they see a span when it ends, not when it starts.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping, Sequence
from time import time_ns
from types import TracebackType
from typing import Any

from opentelemetry import context as context_api
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanProcessor, TracerProvider, sampling
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
)
from opentelemetry.trace.span import TraceState
from opentelemetry.util import types

from trivium.span_files import SpanFileProcessor, encode_span

_UNSET = Status(StatusCode.UNSET)


class TriviumTracerProvider(TracerProvider):
    """The SDK's tracer provider, its tracers making `TriviumSpan`s (see the module)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.span_file: SpanFileProcessor | None = None
        # The processors that take SDK spans: OTLP's batch processor, a test's recorder.
        self.span_processors: tuple[SpanProcessor, ...] = ()
        self.service = str(self.resource.attributes.get(SERVICE_NAME, "unknown"))
        self._tracers_by_scope: dict[InstrumentationScope, TriviumTracer] = {}

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        super().add_span_processor(span_processor)
        if isinstance(span_processor, SpanFileProcessor) and self.span_file is None:
            self.span_file = span_processor
        else:
            self.span_processors = (*self.span_processors, span_processor)

    def get_tracer(
        self,
        instrumenting_module_name: str,
        instrumenting_library_version: str | None = None,
        schema_url: str | None = None,
        attributes: types.Attributes = None,
    ) -> trace.Tracer:
        if self._disabled:
            return trace.NoOpTracer()
        scope = InstrumentationScope(
            instrumenting_module_name, instrumenting_library_version, schema_url, attributes
        )
        made = self._tracers_by_scope.get(scope)
        if made is None:
            made = self._tracers_by_scope.setdefault(scope, TriviumTracer(self, scope))
        return made


class TriviumTracer(trace.Tracer):
    """Makes `TriviumSpan`s, sampled by the provider's sampler."""

    def __init__(self, provider: TriviumTracerProvider, scope: InstrumentationScope) -> None:
        self.provider = provider
        self.scope = scope
        self._sampler = provider.sampler
        # The default sampler (follow the parent, sample every new trace) decided here, without
        # its result objects.
        self._parent_based_always_on = provider.sampler is sampling.DEFAULT_ON
        self._ids = provider.id_generator
        self._random_trace_ids = provider.id_generator.is_trace_id_random()

    def start_span(
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: types.Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> trace.Span:
        parent: SpanContext | None = trace.get_current_span(context).get_span_context()
        if parent is not None and parent.is_valid:
            trace_id = parent.trace_id
            random_trace_id = parent.trace_flags.random_trace_id
        else:
            parent = None
            trace_id = self._ids.generate_trace_id()
            random_trace_id = self._random_trace_ids
        trace_state: TraceState | None
        if self._parent_based_always_on:
            sampled = parent.trace_flags.sampled if parent is not None else True
            trace_state = parent.trace_state if parent is not None else None
            recording = sampled
        else:
            result = self._sampler.should_sample(context, trace_id, name, kind, attributes, links)
            sampled = result.decision is sampling.Decision.RECORD_AND_SAMPLE
            recording = result.decision is not sampling.Decision.DROP
            trace_state = result.trace_state
            attributes = result.attributes
        flags = TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT
        if random_trace_id:
            flags |= TraceFlags.RANDOM_TRACE_ID
        span_context = SpanContext(
            trace_id,
            self._ids.generate_span_id(),
            is_remote=False,
            trace_flags=TraceFlags(flags),
            trace_state=trace_state,
        )
        if not recording:
            return NonRecordingSpan(span_context)
        return TriviumSpan(
            self,
            name,
            span_context,
            parent,
            kind,
            dict(attributes) if attributes else {},
            tuple(links) if links else (),
            start_time if start_time is not None else time_ns(),
        )

    def start_as_current_span(  # type: ignore[override]
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: types.Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> CurrentSpan:
        span = self.start_span(name, context, kind, attributes, links, start_time)
        return CurrentSpan(
            span,
            end_on_exit=end_on_exit,
            record_exception=record_exception,
            set_status_on_exception=set_status_on_exception,
        )


class CurrentSpan:
    """`start_as_current_span`'s context manager: the span current inside, ended on the way
    out, an escaping exception recorded on it (what `trace.use_span` does, without a
    generator)."""

    __slots__ = ("_end_on_exit", "_record_exception", "_set_status", "_token", "span")

    def __init__(
        self,
        span: trace.Span,
        *,
        end_on_exit: bool,
        record_exception: bool,
        set_status_on_exception: bool,
    ) -> None:
        self.span = span
        self._end_on_exit = end_on_exit
        self._record_exception = record_exception
        self._set_status = set_status_on_exception
        self._token: object | None = None

    def __enter__(self) -> trace.Span:
        self._token = context_api.attach(trace.set_span_in_context(self.span))
        return self.span

    def __exit__(
        self,
        error_type: type[BaseException] | None,
        error: BaseException | None,
        error_traceback: TracebackType | None,
    ) -> None:
        span = self.span
        try:
            context_api.detach(self._token)  # type: ignore[arg-type]
            # Only errors: GeneratorExit and cancellation are not failures of the work.
            if isinstance(error, Exception) and span.is_recording():
                if self._record_exception:
                    span.record_exception(error)
                if self._set_status:
                    span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
        finally:
            if self._end_on_exit:
                span.end()


class TriviumSpan(trace.Span):
    """One recorded span: what a span file line and an SDK `ReadableSpan` are made of."""

    __slots__ = (
        "attributes",
        "context",
        "end_time",
        "events",
        "kind",
        "links",
        "name",
        "parent",
        "start_time",
        "status",
        "tracer",
    )

    def __init__(
        self,
        tracer: TriviumTracer,
        name: str,
        context: SpanContext,
        parent: SpanContext | None,
        kind: SpanKind,
        attributes: dict[str, Any],
        links: tuple[Link, ...],
        start_time: int,
    ) -> None:
        self.tracer = tracer
        self.name = name
        self.context = context
        self.parent = parent
        self.kind = kind
        self.attributes = attributes
        self.links = links
        self.events: tuple[Event, ...] = ()
        self.status = _UNSET
        self.start_time = start_time
        self.end_time: int | None = None

    def __repr__(self) -> str:
        return f'TriviumSpan(name="{self.name}", context={self.context})'

    def end(self, end_time: int | None = None) -> None:
        if self.end_time is not None:
            return
        self.end_time = end = end_time if end_time is not None else time_ns()
        provider = self.tracer.provider
        span_file = provider.span_file
        if span_file is not None:
            span_file.keep(
                encode_span(
                    context=self.context,
                    parent=self.parent,
                    service=provider.service,
                    name=self.name,
                    kind=self.kind,
                    start=self.start_time,
                    end=end,
                    status=self.status,
                    attributes=self.attributes,
                )
            )
        if provider.span_processors:
            readable = self.readable()
            for processor in provider.span_processors:
                processor.on_end(readable)

    def readable(self) -> ReadableSpan:
        """The SDK's copy of this span, for the SDK's processors and exporters."""
        return ReadableSpan(
            name=self.name,
            context=self.context,
            parent=self.parent,
            resource=self.tracer.provider.resource,
            attributes=dict(self.attributes),
            events=self.events,
            links=self.links,
            kind=self.kind,
            status=self.status,
            start_time=self.start_time,
            end_time=self.end_time,
            instrumentation_scope=self.tracer.scope,
        )

    def get_span_context(self) -> SpanContext:
        return self.context

    def set_attributes(self, attributes: Mapping[str, types.AnyValue]) -> None:
        if self.end_time is None:
            self.attributes.update(attributes)

    def set_attribute(self, key: str, value: types.AnyValue) -> None:
        if self.end_time is None:
            self.attributes[key] = value

    def add_event(
        self, name: str, attributes: types.Attributes = None, timestamp: int | None = None
    ) -> None:
        if self.end_time is None:
            self.events = (*self.events, Event(name, attributes, timestamp))

    def add_link(self, context: SpanContext, attributes: types.Attributes = None) -> None:
        if self.end_time is None and context.is_valid:
            self.links = (*self.links, Link(context, attributes))

    def update_name(self, name: str) -> None:
        if self.end_time is None:
            self.name = name

    def is_recording(self) -> bool:
        return self.end_time is None

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        # As the SDK: OK is final, UNSET changes nothing.
        if self.end_time is not None or self.status.status_code is StatusCode.OK:
            return
        if isinstance(status, StatusCode):
            status = Status(status, description)
        if status.status_code is not StatusCode.UNSET:
            self.status = status

    def record_exception(
        self,
        exception: BaseException,
        attributes: types.Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        module = type(exception).__module__
        qualname = type(exception).__qualname__
        recorded: dict[str, Any] = {
            "exception.type": qualname if module == "builtins" else f"{module}.{qualname}",
            "exception.message": str(exception),
            "exception.stacktrace": "".join(traceback.format_exception(exception)),
            "exception.escaped": str(escaped),
        }
        recorded.update(attributes or {})
        self.add_event("exception", recorded, timestamp)
