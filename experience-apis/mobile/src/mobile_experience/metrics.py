"""This API's own metric families (requests and backend calls are the shared ones), and the
sink that records the customer 360's facts in them. Only the composition root imports this
module."""

from __future__ import annotations

from prometheus_client import Counter

VIEW_SECTIONS = Counter(
    "trivium_mobile_view_sections_total",
    "Customer 360 sources served, by source (crm, orders, invoices, credit), where they came "
    "from (cache or live) and outcome (ok or unavailable).",
    ["section", "source", "outcome"],
)


class PrometheusViewMetrics:
    """`ViewMetrics` on this process's Prometheus registry."""

    def section_served(self, section: str, *, source: str, ok: bool) -> None:
        VIEW_SECTIONS.labels(section, source, "ok" if ok else "unavailable").inc()
