"""This flow's own metric families, and the sink that records the flow's facts in them. Only
the composition root imports this module."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from trivium.metrics import LATENCY_BUCKETS

CHANGES = Counter(
    "trivium_customer_sync_changes_total",
    "Changes written by direction (crm_to_erp, erp_to_crm, order_status) and target.",
    ["direction", "target"],
)
CONFLICTS = Counter(
    "trivium_customer_sync_conflicts_total",
    "Fields changed by a system that does not own them (or by the older of two commits).",
    ["field", "winner"],
)
EVENTS = Counter(
    "trivium_customer_sync_events_total",
    "Account changes by what became of them: applied, unchanged, echo, resync, resync_all, "
    "skipped.",
    ["outcome"],
)
REREADS = Counter(
    "trivium_customer_sync_rereads_total",
    "Re-reads of changed accounts after a resync (of some accounts or all) or a lost position.",
    ["reason"],
)
PROPAGATION_SECONDS = Histogram(
    "trivium_customer_sync_propagation_seconds",
    "From the CRM commit to the ERP write, per applied change event.",
    buckets=LATENCY_BUCKETS,
)
PRODUCTS = Counter(
    "trivium_customer_sync_products_total", "Products synced, by outcome.", ["outcome"]
)
LEADER = Gauge("trivium_customer_sync_leader", "1 while this replica leads the syncs.")
LAG_EVENTS = Gauge(
    "trivium_customer_sync_lag_events", "Changes read and not applied yet, by loop.", ["loop"]
)
LAG_SECONDS = Gauge(
    "trivium_customer_sync_lag_seconds",
    "Age of the oldest change read and not applied yet, by loop (0 when none).",
    ["loop"],
)
LOOP_STATE = Gauge(
    "trivium_customer_sync_loop_state",
    "1 for the state each loop is in (running, retrying), 0 for the others.",
    ["loop", "state"],
)
PARKED = Gauge("trivium_customer_sync_parked", "Records parked, by loop.", ["loop"])
PARKINGS = Counter(
    "trivium_customer_sync_parkings_total",
    "Records parked (or parked again), applied after being parked, and discarded.",
    ["loop", "outcome"],
)


class PrometheusSyncMetrics:
    """`SyncMetrics` on this process's Prometheus registry."""

    def change_written(self, direction: str, target: str) -> None:
        CHANGES.labels(direction=direction, target=target).inc()

    def conflict(self, field: str, winner: str) -> None:
        CONFLICTS.labels(field=field, winner=winner).inc()

    def change_event(self, outcome: str) -> None:
        EVENTS.labels(outcome=outcome).inc()

    def reread(self, reason: str) -> None:
        REREADS.labels(reason=reason).inc()

    def propagation(self, seconds: float) -> None:
        PROPAGATION_SECONDS.observe(seconds)

    def products_synced(self, *, succeeded: int, failed: int) -> None:
        PRODUCTS.labels(outcome="failed").inc(failed)
        PRODUCTS.labels(outcome="succeeded").inc(succeeded)

    def leading(self, leader: bool) -> None:
        LEADER.set(int(leader))

    def loop_state(self, loop: str, state: str, *, current: bool) -> None:
        LOOP_STATE.labels(loop=loop, state=state).set(int(current))

    def loop_lag(self, loop: str, *, events: int, seconds: float) -> None:
        LAG_EVENTS.labels(loop=loop).set(events)
        LAG_SECONDS.labels(loop=loop).set(seconds)

    def parked(self, loop: str, count: int) -> None:
        PARKED.labels(loop=loop).set(count)

    def parking(self, loop: str, outcome: str) -> None:
        PARKINGS.labels(loop=loop, outcome=outcome).inc()
