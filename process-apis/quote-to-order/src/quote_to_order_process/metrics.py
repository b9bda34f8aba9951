"""This flow's own metric families (queue and dead-letter depth are the shared ones)."""

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
