"""The leader's loops: account changes (Salesforce → ERP), ERP delta polls (ERP → Salesforce)
and scheduled product syncs, run by exactly one replica at a time.

Every replica competes for a Redis lease; the holder gets a fencing token, renews the lease a
few times per lease period, and runs the loops. When it cannot renew (it lost the lease, or
Redis is unreachable) it stops the loops at once; its writes carry the token, so any that race
the takeover are refused. A replica that dies stops renewing, and another takes over once the
lease runs out, from the position the dead one committed last.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from customer_sync_process.adapters.ports import LeasePort, SyncMetrics
from customer_sync_process.domain.crm_to_erp import (
    commit_position,
    consume_once,
    retry_parked_account,
)
from customer_sync_process.domain.erp_to_crm import poll_erp, retry_parked
from customer_sync_process.domain.errors import SyncAlreadyRunning
from customer_sync_process.domain.flow import SyncFlow
from customer_sync_process.domain.parking import due_for_retry, parked_counts
from customer_sync_process.domain.positions import current_position
from customer_sync_process.domain.products import ProductSyncs
from trivium.locks import LeaseLost
from trivium.problems import Problem, UpstreamRejected
from trivium.write_batch import WriteBatch

log = logging.getLogger(__name__)


class Leadership:
    """Wins the lease, runs the loops while it holds it, and steps down when it cannot renew."""

    def __init__(
        self,
        lease: LeasePort,
        *,
        loops: Callable[[int, asyncio.Event], list[Awaitable[None]]],
        lease_seconds: float,
        metrics: SyncMetrics,
    ) -> None:
        self.lease = lease
        self.loops = loops
        self.metrics = metrics
        self.renew_every = lease_seconds / 3
        self.fence = 0

    @property
    def leading(self) -> bool:
        """Whether this replica leads now."""
        return self.fence != 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                self.fence = await self.lease.acquire()
            except (RedisError, OSError) as error:
                log.warning("lead.acquire_failed", extra={"error": type(error).__name__})
                self.fence = 0
            if self.fence:
                log.info("lead.taken", extra={"fence": self.fence})
                self.metrics.leading(True)
                await self._lead(stop)
                self.metrics.leading(False)
                self.fence = 0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.renew_every)
        with contextlib.suppress(RedisError, OSError):
            await self.lease.release()

    async def _lead(self, stop: asyncio.Event) -> None:
        # The loops stop on their own flag, set when the service stops or the lead is lost: a
        # loop whose cancellation is lost in the Redis client (Python 3.11's `wait_for` can drop
        # one, see `trivium.locks.Renewal`) still ends at its next check instead of holding the
        # step-down for ever. Cancelling them as well ends their waits at once.
        step_down = asyncio.Event()
        loops = self.loops(self.fence, step_down)
        tasks = [asyncio.create_task(_guard(loop)) for loop in loops]
        try:
            while not stop.is_set() and not any(task.done() for task in tasks):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.renew_every)
                if stop.is_set():
                    break
                try:
                    if await self.lease.acquire() != self.fence:
                        log.warning("lead.lost", extra={"fence": self.fence})
                        break
                except (RedisError, OSError) as error:
                    log.warning("lead.renew_failed", extra={"error": type(error).__name__})
                    break
        finally:
            step_down.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def _guard(loop: Awaitable[None]) -> None:
    """Run a loop; when it ends (lead lost, or a bug), the leader steps down and starts over."""
    try:
        await loop
    except LeaseLost as error:
        log.warning("lead.fence_refused", extra={"error": str(error)})
    except Exception:
        log.exception("lead.loop_failed")


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def cdc_loop(
    flow: SyncFlow, fence: int, stop: asyncio.Event, *, retry_seconds: float
) -> None:
    """Read and apply account changes until stopped (or the lead is lost)."""
    cdc = await flow.state.get_hash("cdc")
    position = current_position(cdc.get("position") or flow.policy.cdc_start)
    tracker = flow.loops["cdc"]
    tracker.started(flow.clock())
    writes = tracker.save(WriteBatch(), flow.state)
    if not cdc:
        writes.hset(flow.state.key("cdc"), {"startedAt": flow.clock().isoformat()})
        commit_position(flow, writes, position=position, committed_at=None, system_id=None)
    await flow.state.write(fence, writes)
    while not stop.is_set():
        try:
            position = await consume_once(flow, fence, position)
        except (Problem, RedisError, OSError) as error:
            await _failed(flow, fence, "cdc", error)
            await _pause(stop, retry_seconds)


async def erp_poll_loop(
    flow: SyncFlow, fence: int, stop: asyncio.Event, *, interval_seconds: float,
    retry_seconds: float,
) -> None:  # fmt: skip
    """Poll ERP customer and sales order changes every `interval_seconds` until stopped."""
    tracker = flow.loops["erpPoll"]
    tracker.started(flow.clock())
    await flow.state.write(fence, tracker.save(WriteBatch(), flow.state))
    while not stop.is_set():
        started = time.monotonic()
        try:
            await poll_erp(flow, fence)
            if tracker.succeeded(flow.clock()):
                await flow.state.write(fence, tracker.save(WriteBatch(), flow.state))
        except (Problem, RedisError, OSError) as error:
            await _failed(flow, fence, "erpPoll", error)
            await _pause(stop, retry_seconds)
            continue
        await _pause(stop, max(0.0, interval_seconds - (time.monotonic() - started)))


async def parked_retry_loop(
    flow: SyncFlow, fence: int, stop: asyncio.Event, *, interval_seconds: float
) -> None:
    """Every `interval_seconds`, try again the parked records that are due (asked for by an
    operator, or parked for a transient reason a while ago)."""
    while not stop.is_set():
        try:
            for item in await due_for_retry(flow):
                writes = WriteBatch()
                if item.loop == "cdc":
                    await retry_parked_account(flow, writes, item)
                else:
                    await retry_parked(flow, writes, item)
                await flow.state.write(fence, writes)
            await parked_counts(flow)
        except (Problem, RedisError, OSError) as error:
            _log_failure("parked", error)
        await _pause(stop, interval_seconds)


async def product_schedule_loop(
    flow: SyncFlow, fence: int, product_syncs: ProductSyncs, stop: asyncio.Event, *,
    interval_seconds: float, on_start: bool,
) -> None:  # fmt: skip
    """Start a product sync every `interval_seconds` (first one at once when `on_start`).
    Rows the CRM refuses are listed in the sync's report; the next sync sends every row again."""
    tracker = flow.loops["products"]
    clock = flow.clock
    tracker.started(clock())
    await flow.state.write(fence, tracker.save(WriteBatch(), flow.state))
    if not on_start:
        await _pause(stop, interval_seconds)
    while not stop.is_set():
        try:
            done = await product_syncs.run(trigger="schedule")
            if done.error:
                tracker.failed(clock(), done.error)
            else:
                tracker.succeeded(clock())
        except SyncAlreadyRunning:
            log.info("products.schedule_skipped")
        except (Problem, RedisError, OSError) as error:
            tracker.failed(clock(), _detail(error))
            _log_failure("products", error)
        with contextlib.suppress(RedisError, OSError):
            await flow.state.write(fence, tracker.save(WriteBatch(), flow.state))
        await _pause(stop, interval_seconds)


async def _failed(flow: SyncFlow, fence: int, loop: str, error: BaseException) -> None:
    """A loop's whole step failed: shown as retrying (saved when Redis lets us), logged."""
    _log_failure(loop, error)
    tracker = flow.loops[loop]
    tracker.failed(flow.clock(), _detail(error))
    with contextlib.suppress(RedisError, OSError):
        await flow.state.write(fence, tracker.save(WriteBatch(), flow.state))


def _detail(error: BaseException) -> str:
    return str(getattr(error, "detail", None) or type(error).__name__)


def _log_failure(loop: str, error: BaseException) -> None:
    level = logging.ERROR if isinstance(error, UpstreamRejected) else logging.WARNING
    log.log(level, "sync.loop_failed", extra={"loop": loop, "error": _detail(error)})
