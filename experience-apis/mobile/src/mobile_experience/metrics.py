"""This API's own metric families (requests and backend calls are the shared ones)."""

from __future__ import annotations

from prometheus_client import Counter

VIEW_SECTIONS = Counter(
    "trivium_mobile_view_sections_total",
    "Customer 360 sources served, by source (crm, orders, invoices, credit), where they came "
    "from (cache or live) and outcome (ok or unavailable).",
    ["section", "source", "outcome"],
)
