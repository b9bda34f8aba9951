"""The Prometheus sink of the sync flow: the families and labels dashboards and alerts read."""

from __future__ import annotations

from customer_sync_process.metrics import PrometheusSyncMetrics
from trivium_testing.metrics import increase, key, sample, values


class TestPrometheusSyncMetrics:
    def test_counters_count_in_their_families(self) -> None:
        metrics = PrometheusSyncMetrics()
        family = "trivium_customer_sync_"
        expected = {
            key(f"{family}changes_total", direction="crm_to_erp", target="erp"): 1,
            key(f"{family}conflicts_total", field="phone", winner="salesforce"): 1,
            key(f"{family}events_total", outcome="applied"): 1,
            key(f"{family}rereads_total", reason="resync"): 1,
            key(f"{family}propagation_seconds_count"): 1,
            key(f"{family}products_total", outcome="succeeded"): 7,
            key(f"{family}products_total", outcome="failed"): 2,
            key(f"{family}parkings_total", loop="cdc", outcome="parked"): 1,
        }
        before = values(expected)

        metrics.change_written("crm_to_erp", "erp")
        metrics.conflict("phone", "salesforce")
        metrics.change_event("applied")
        metrics.reread("resync")
        metrics.propagation(0.4)
        metrics.products_synced(succeeded=7, failed=2)
        metrics.parking("cdc", "parked")

        assert increase(before) == expected

    def test_gauges_show_the_current_value(self) -> None:
        metrics = PrometheusSyncMetrics()

        metrics.leading(True)
        metrics.loop_state("cdc", "retrying", current=True)
        metrics.loop_lag("cdc", events=3, seconds=1.5)
        metrics.parked("erpPoll", 4)

        assert sample("trivium_customer_sync_leader") == 1
        assert sample("trivium_customer_sync_loop_state", loop="cdc", state="retrying") == 1
        assert sample("trivium_customer_sync_lag_events", loop="cdc") == 3
        assert sample("trivium_customer_sync_lag_seconds", loop="cdc") == 1.5
        assert sample("trivium_customer_sync_parked", loop="erpPoll") == 4
