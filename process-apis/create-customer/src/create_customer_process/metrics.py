"""This flow's own metric families (queue and dead-letter depth are the shared ones), and the
sink that records the flow's facts in them. Only the composition root imports this module."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from trivium.metrics import LATENCY_BUCKETS

REQUESTS = Counter(
    "trivium_create_customer_requests_total",
    "Customer requests by outcome: created, linked, accepted, duplicate, invalid, failed, "
    "retry_scheduled, dead_lettered.",
    ["outcome"],
)
DUPLICATES = Counter(
    "trivium_create_customer_duplicates_total",
    "Existing records a new customer matched, by system and criterion.",
    ["system", "criterion"],
)
COMPENSATIONS = Counter(
    "trivium_create_customer_compensations_total",
    "Records removed again because the other system refused the customer.",
    ["action"],
)
STEP_SECONDS = Histogram(
    "trivium_create_customer_step_duration_seconds",
    "Time of one step (duplicate_check, account, erp_customer, link, complete, compensate).",
    ["step"],
    buckets=LATENCY_BUCKETS,
)


class PrometheusCustomerMetrics:
    """`CustomerMetrics` on this process's Prometheus registry."""

    def request_outcome(self, outcome: str) -> None:
        REQUESTS.labels(outcome).inc()

    def duplicate_found(self, system: str, criterion: str) -> None:
        DUPLICATES.labels(system, criterion).inc()

    def compensation(self, action: str) -> None:
        COMPENSATIONS.labels(action).inc()

    def step_duration(self, step: str, seconds: float) -> None:
        STEP_SECONDS.labels(step).observe(seconds)
