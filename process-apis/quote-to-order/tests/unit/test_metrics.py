"""The Prometheus sink of the order flow: the families and labels dashboards and alerts read."""

from __future__ import annotations

from quote_to_order_process.metrics import PrometheusOrderMetrics
from trivium_testing.metrics import sample


class TestPrometheusOrderMetrics:
    def test_an_outcome_counts_by_source_and_outcome(self) -> None:
        name = "trivium_quote_to_order_orders_total"
        before = sample(name, source="quote", outcome="completed")

        PrometheusOrderMetrics().order_outcome("quote", "completed")

        assert sample(name, source="quote", outcome="completed") == before + 1

    def test_a_step_is_timed_by_name(self) -> None:
        name = "trivium_quote_to_order_step_duration_seconds_count"
        before = sample(name, step="check")

        PrometheusOrderMetrics().step_duration("check", 0.2)

        assert sample(name, step="check") == before + 1
