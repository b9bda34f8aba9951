"""Prometheus metrics shared by every service: one family per measured thing, created once."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip

HTTP_REQUESTS = Counter(
    "trivium_http_requests_total",
    "Requests served, by route template and status.",
    ["service", "method", "route", "status"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "trivium_http_request_duration_seconds",
    "Time to serve a request, by route template.",
    ["service", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
BACKEND_CALLS = Counter(
    "trivium_backend_calls_total",
    "Outbound calls to a backend, by outcome (HTTP status or error class).",
    ["backend", "method", "outcome"],
)
BACKEND_CALL_SECONDS = Histogram(
    "trivium_backend_call_duration_seconds",
    "Time of one outbound call attempt.",
    ["backend", "method"],
    buckets=LATENCY_BUCKETS,
)
BACKEND_ERRORS = Counter(
    "trivium_backend_errors_total",
    "Outbound call attempts that failed (transport error or 5xx/429).",
    ["backend", "reason"],
)
BACKEND_RETRIES = Counter(
    "trivium_backend_retries_total",
    "Outbound call attempts retried after a transient failure.",
    ["backend"],
)
BREAKER_STATE = Gauge(
    "trivium_circuit_breaker_state",
    "Circuit breaker state per backend: 0 closed, 1 half-open, 2 open.",
    ["backend"],
)
QUEUE_DEPTH = Gauge(
    "trivium_queue_depth",
    "Entries in a work stream not yet acknowledged by its consumer group.",
    ["stream"],
)
DEAD_LETTER_DEPTH = Gauge(
    "trivium_dead_letter_depth",
    "Entries waiting in a dead-letter stream.",
    ["stream"],
)
QUEUE_MESSAGES = Counter(
    "trivium_queue_messages_total",
    "Work messages handled, by outcome (acked, retried, dead_lettered, replayed).",
    ["stream", "outcome"],
)
SALESFORCE_API_BUDGET = Gauge(
    "trivium_salesforce_api_budget_remaining",
    "Salesforce daily API requests remaining, as last reported by the org.",
)


def render_metrics() -> tuple[bytes, str]:
    """The exposition text of every registered metric and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
