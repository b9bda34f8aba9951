"""The warehouse and billing clerk of the demo account: open orders get fulfilled, fulfilled ones
billed, after a delay that shrinks with the lifecycle speed.

NetSuite itself moves no order on its own; people (or scripts) create the item fulfillments and
invoices. The emulator plays them so that a running demo shows orders progressing. An order whose
lines are not all in stock at their locations waits, as a warehouse would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from emulator_kit.loops import run_every
from netsuite_emulator.domain.errors import NetSuiteError
from netsuite_emulator.domain.records import fulfillment
from netsuite_emulator.domain.records.common import RecordContext, timestamp
from netsuite_emulator.domain.records.transactions import lines_of

log = logging.getLogger("netsuite_emulator.lifecycle")
FULFILLABLE = ("B", "D", "E")
BILLABLE = ("F",)


@dataclass(frozen=True)
class Delays:
    """How long an order waits in each state (already divided by the speed)."""

    fulfillment: timedelta
    billing: timedelta


def delays_for(
    *, speed: float, fulfillment_seconds: float, billing_seconds: float
) -> Delays | None:
    """The delays at a speed (None when the lifecycle is stopped)."""
    if speed <= 0:
        return None
    return Delays(
        timedelta(seconds=fulfillment_seconds / speed), timedelta(seconds=billing_seconds / speed)
    )


def _in_stock(ctx: RecordContext, order_id: int) -> bool:
    for line in lines_of(ctx.store, order_id):
        missing = Decimal(line["quantity"]) - Decimal(line["quantityshiprecv"])
        on_hand = ctx.store.scalar(
            "SELECT quantityonhand FROM inventoryitemlocations WHERE item = ? AND location = ?",
            (line["item"], line["location"]),
        )
        if missing > 0 and Decimal(on_hand or 0) < missing:
            return False
    return True


class OrderLifecycle:
    """Moves due orders on; `advance` can also be called directly (admin, tests)."""

    def __init__(self, context: Callable[[], RecordContext], delays: Delays | None) -> None:
        self._context = context
        self.delays = delays
        self.speed = 0.0

    def advance(self, *, force: bool = False, order: int | None = None) -> dict[str, list[str]]:
        """Bill due fulfilled orders, fulfill due open ones; returns the orders that moved."""
        ctx = self._context()
        moved: dict[str, list[str]] = {"fulfilled": [], "billed": []}
        for step, statuses in (("billed", BILLABLE), ("fulfilled", FULFILLABLE)):
            for order_id in self._due(ctx, step, statuses, force=force, order=order):
                try:
                    if step == "billed":
                        fulfillment.create_invoice(ctx, {}, order_id=order_id)
                    elif _in_stock(ctx, order_id):
                        fulfillment.create_fulfillment(ctx, {}, order_id=order_id)
                    else:
                        continue
                except NetSuiteError as refusal:
                    log.info(
                        "netsuite.lifecycle.skipped",
                        extra={"order": order_id, "reason": refusal.detail},
                    )
                    continue
                moved[step].append(str(order_id))
        if moved["fulfilled"] or moved["billed"]:
            log.info("netsuite.lifecycle.advanced", extra=moved)
        return moved

    def _due(
        self,
        ctx: RecordContext,
        step: str,
        statuses: tuple[str, ...],
        *,
        force: bool,
        order: int | None,
    ) -> list[int]:
        where = f"type = 'SalesOrd' AND status IN ({', '.join('?' * len(statuses))})"
        params: list[object] = list(statuses)
        if order is not None:
            where += " AND id = ?"
            params.append(order)
        if not force:
            if self.delays is None:
                return []
            wait = self.delays.billing if step == "billed" else self.delays.fulfillment
            where += " AND lastmodifieddate <= ?"
            params.append(timestamp(ctx.clock() - wait))
        rows = ctx.store.rows(f'SELECT id FROM "transaction" WHERE {where} ORDER BY id', params)
        return [row["id"] for row in rows]

    async def run(self, tick_seconds: float) -> None:
        """Advance due orders every tick until cancelled (errors are logged, not fatal)."""
        await run_every(
            tick_seconds, self.advance, active=lambda: self.delays is not None,
            log=log, event="netsuite.lifecycle.failed",
        )  # fmt: skip
