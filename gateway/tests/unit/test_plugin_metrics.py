"""Merging the plugins' counters from several processes."""

from __future__ import annotations

from prometheus_client.metrics_core import Metric

from trivium_gateway.plugin_metrics import merge_families


def family(**values):
    metric = Metric("trivium_gateway_quota_decisions", "Decisions.", "counter")
    for outcome, value in values.items():
        metric.add_sample(
            "trivium_gateway_quota_decisions_total", {"plan": "gold", "outcome": outcome}, value
        )
    metric.add_sample(
        "trivium_gateway_quota_decisions_created", {"plan": "gold", "outcome": "x"}, 1.7e9
    )
    return metric


class TestMergeFamilies:
    def test_samples_of_the_same_series_are_summed(self):
        merged = list(merge_families([family(allowed=3, limited=1), family(allowed=4)]))

        assert len(merged) == 1
        values = {s.labels["outcome"]: s.value for s in merged[0].samples}
        assert values == {"allowed": 7, "limited": 1}
