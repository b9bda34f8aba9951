"""opentelemetry: accepted with Kong's schema; the gateway's own server span is its equivalent.

Real Kong's plugin makes a server span per request (named after the route), continues the trace
context the client sent (`propagation.extract`), passes its own context upstream
(`propagation.inject`, W3C `traceparent` and `tracestate`) and sends the spans over OTLP/HTTP to
`traces_endpoint`. The local gateway traces every request anyway, as every Trivium service does
(`trivium.tracing`): a server span named `<method> <route name>` with the kong.yml route and
service as attributes, a client span around the upstream call whose context the upstream gets,
and its spans go where the services' go (`TRIVIUM_TRACES_DIR`, `OTEL_EXPORTER_OTLP_ENDPOINT`),
not to `traces_endpoint`. So an instance has no phase to run.
"""

from __future__ import annotations

from trivium_gateway.bundled import BundledPlugin


class OpenTelemetry(BundledPlugin):
    """Kong's opentelemetry plugin: nothing to do per request (see the module's docstring)."""
