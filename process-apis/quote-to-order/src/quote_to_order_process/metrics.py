"""This flow's own metric families (queue and dead-letter depth are the shared ones), and the
sink that records the flow's facts in them. Only the composition root imports this module."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from trivium.metrics import LATENCY_BUCKETS

ORDERS = Counter(
    "trivium_quote_to_order_orders_total",
    "Order processing outcomes: completed, rejected, retry_scheduled, dead_lettered.",
    ["source", "outcome"],
)
STEP_SECONDS = Histogram(
    "trivium_quote_to_order_step_duration_seconds",
    "Time of one saga step (identify, check, erp_order, crm_order, mark_quote, complete).",
    ["step"],
    buckets=LATENCY_BUCKETS,
)


class PrometheusOrderMetrics:
    """`OrderMetrics` on this process's Prometheus registry."""

    def order_outcome(self, source: str, outcome: str) -> None:
        ORDERS.labels(source, outcome).inc()

    def step_duration(self, step: str, seconds: float) -> None:
        STEP_SECONDS.labels(step).observe(seconds)
