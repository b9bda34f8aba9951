"""Prometheus metrics of the gateway and its Python plugins (the request, latency and upstream
call families come from `trivium.metrics`).

These families live in the gateway's process in both plugin modes; the plugins' own decision
counters are in `plugin_support` and reach `/metrics` through `plugin_metrics`.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from trivium.metrics import LATENCY_BUCKETS

PDK_CALLS = Counter(
    "trivium_gateway_pdk_calls_total",
    "PDK calls made by Python plugins (each one an IPC round trip under real Kong).",
    ["plugin"],
)
PLUGIN_EVENT_SECONDS = Histogram(
    "trivium_gateway_plugin_event_duration_seconds",
    "Time to run one phase of one Python plugin, PDK round trips included.",
    ["plugin", "phase", "mode"],
    buckets=LATENCY_BUCKETS,
)
PLUGIN_ERRORS = Counter(
    "trivium_gateway_plugin_errors_total",
    "Python plugin phases that failed (the request is answered with 500, as Kong does).",
    ["plugin", "phase"],
)
