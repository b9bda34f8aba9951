"""The Prometheus sink of the customer flow: the families and labels dashboards and alerts
read."""

from __future__ import annotations

from create_customer_process.metrics import PrometheusCustomerMetrics
from trivium_testing.metrics import increase, key, values


class TestPrometheusCustomerMetrics:
    def test_each_fact_counts_in_its_family(self) -> None:
        metrics = PrometheusCustomerMetrics()
        family = "trivium_create_customer_"
        expected = {
            key(f"{family}requests_total", outcome="created"): 1,
            key(f"{family}duplicates_total", system="erp", criterion="vat_id"): 1,
            key(f"{family}compensations_total", action="account_deleted"): 1,
            key(f"{family}step_duration_seconds_count", step="account"): 1,
        }
        before = values(expected)

        metrics.request_outcome("created")
        metrics.duplicate_found("erp", "vat_id")
        metrics.compensation("account_deleted")
        metrics.step_duration("account", 0.1)

        assert increase(before) == expected
