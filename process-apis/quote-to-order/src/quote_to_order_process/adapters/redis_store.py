"""Saga states in Redis: one hash per order, reference claims, listings and wake-up times.

Keys (all under one hash tag, so that the scripts may touch them together in Redis Cluster), besides
those of every saga store (`trivium.saga_store`: `{prefix}:order:<id>`, wake-ups, attention):
- `{prefix}:ref:quote:<system>:<quote id>`  the order that claimed the quote;
- `{prefix}:ref:po:<system>:<account>:<po>` the order that claimed the account's purchase order
  number;
- `{prefix}:ref:request:<request id>`  the order a caller's request (its Idempotency-Key) created;
- `{prefix}:orders`, `{prefix}:orders:account:<id>`  listings: sorted sets of order ids, which
  are ULIDs, so that lexicographic order is creation order (all scores 0).

`<system>` is the CRM system (org) the order was taken in, `-` when it did not name itself: CRM
record ids are unique within one system only, and a replaced one (a sandbox refresh, a fresh
emulator) hands the same ids out again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from quote_to_order_process.adapters.ports import HeldBy, HeldOrder, HeldReference
from quote_to_order_process.adapters.redis_streams import RedisEventPublisher
from quote_to_order_process.domain.models import OrderState, OrderStatus, new_order_id
from trivium.locks import Held, LeaseLocks
from trivium.redis_client import AsyncRedis
from trivium.saga_store import RedisSagaStore, epoch_ms, text
from trivium.write_batch import WriteBatch

DEFAULT_PREFIX = "{quote-to-order}"
# The key part of a CRM system that did not name itself.
UNNAMED_SYSTEM = "-"
_SCAN_FACTOR = 10
DEFAULT_EVENTS_MAX_LENGTH = 100_000

# A reference is free unless an order that has not failed holds it.
_CLAIM = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  local status = redis.call('HGET', ARGV[3] .. holder, 'status')
  if status and status ~= 'failed' then return holder end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
"""
# KEYS[6] is the caller's request, KEYS[5] the quote; each is KEYS[1] when there is none.
_CREATE = """
local function holder_of(key)
  if key == KEYS[1] then return nil end
  local holder = redis.call('GET', key)
  if holder and holder ~= ARGV[1] then
    local status = redis.call('HGET', ARGV[6] .. holder, 'status')
    if status and status ~= 'failed' then return holder end
  end
  return nil
end
local by_request = holder_of(KEYS[6])
if by_request then return {'request', by_request} end
local by_quote = holder_of(KEYS[5])
if by_quote then return {'quote', by_quote} end
for _, key in ipairs({KEYS[5], KEYS[6]}) do
  if key ~= KEYS[1] then redis.call('SET', key, ARGV[1], 'PX', ARGV[4]) end
end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'status', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZREMRANGEBYLEX', KEYS[2], '-', ARGV[7])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
if KEYS[4] ~= KEYS[2] then redis.call('ZADD', KEYS[4], 0, ARGV[1]) end
return false
"""


def _system(order: OrderState) -> str:
    return order.crm_system_id or UNNAMED_SYSTEM


class RedisOrderStore(RedisSagaStore[OrderState]):
    """`OrderStore` on Redis; orders and their claims expire after `retention`. The events a
    save publishes go to `events` (by default the stream `{prefix}:events`), whose stream must
    share the store's hash tag."""

    def __init__(
        self,
        client: AsyncRedis,
        *,
        prefix: str = DEFAULT_PREFIX,
        retention: timedelta = timedelta(days=90),
        events: RedisEventPublisher | None = None,
    ) -> None:
        super().__init__(
            client,
            prefix=prefix,
            kind="order",
            load=OrderState.model_validate_json,
            retention=retention,
        )
        self.events = events or RedisEventPublisher(
            client, stream=f"{prefix}:events", max_length=DEFAULT_EVENTS_MAX_LENGTH
        )
        self._claim = client.register_script(_CLAIM)
        self._create = client.register_script(_CREATE)

    async def save(
        self,
        state: OrderState,
        *,
        wake_at: datetime | None,
        held: Held | None = None,
        writes: WriteBatch | None = None,
        event: str | None = None,
    ) -> None:
        writes = writes if writes is not None else WriteBatch()
        if event is not None:
            self.events.publish_in(writes, event, state)
        await super().save(state, wake_at=wake_at, held=held, writes=writes)

    def _listing_key(self, account_id: str | None) -> str:
        if account_id is None:
            return f"{self.prefix}:orders"
        return f"{self.prefix}:orders:account:{account_id}"

    def quote_key(self, order: OrderState) -> str:
        """The key of the claim on the order's quote, in the order's CRM system."""
        return f"{self.prefix}:ref:quote:{_system(order)}:{order.quote_id}"

    def purchase_order_key(self, order: OrderState) -> str:
        """The key of the claim on the account's purchase order number, in the order's CRM
        system."""
        return (
            f"{self.prefix}:ref:po:{_system(order)}:{order.account_id}:"
            f"{order.purchase_order_number}"
        )

    def request_key(self, request_id: str) -> str:
        """The key of the claim on a caller's request (its Idempotency-Key)."""
        return f"{self.prefix}:ref:request:{request_id}"

    async def create(
        self, order: OrderState, *, wake_at: datetime, request_id: str | None = None
    ) -> HeldBy | None:
        order_key = self.state_key(order.id)
        quote_key = self.quote_key(order) if order.quote_id else order_key
        request_key = self.request_key(request_id) if request_id else order_key
        all_key = self._listing_key(None)
        account_key = self._listing_key(order.account_id) if order.account_id else all_key
        held = await self._create(
            keys=[order_key, all_key, self.wakeups_key, account_key, quote_key, request_key],
            args=[
                order.id,
                order.model_dump_json(),
                order.status.value,
                self.retention_ms,
                epoch_ms(wake_at),
                self.state_key_prefix,
                self._expired_ids_below(order.created_at),
            ],
        )
        if not held:
            return None
        reference, holder = held
        return HeldBy(HeldReference(text(reference)), text(holder))

    async def claim_reference(self, order: OrderState) -> str | None:
        if order.account_id is None or order.purchase_order_number is None:
            raise ValueError("a purchase order is claimed for a known account")
        holder = await self._claim(
            keys=[self.purchase_order_key(order)],
            args=[order.id, self.retention_ms, self.state_key_prefix],
        )
        return text(holder) if holder else None

    def list_saved(self, writes: WriteBatch, state: OrderState) -> None:
        if state.account_id is not None:
            writes.zadd(self._listing_key(state.account_id), {state.id: 0})
            if state.is_finished:
                expired = self._expired_ids_below(state.updated_at)
                writes.zremrangebylex(self._listing_key(state.account_id), "-", expired)

    async def wake_later(self, order_id: str, wake_at: datetime) -> None:
        # XX: an order finished meanwhile (no wake-up left) must not be woken again.
        await self._redis.zadd(self.wakeups_key, {order_id: epoch_ms(wake_at)}, xx=True)

    async def cancel_wake_up(self, order_id: str) -> None:
        await self._redis.zrem(self.wakeups_key, order_id)

    async def list_orders(
        self,
        *,
        account_id: str | None,
        status: OrderStatus | None,
        limit: int,
        after: str | None,
    ) -> tuple[list[OrderState], str | None]:
        key = self._listing_key(account_id)
        upper = f"({after}" if after else "+"
        # A status filter skips rows: look at a bounded number of them per page.
        budget = limit if status is None else limit * _SCAN_FACTOR
        found: list[OrderState] = []
        last: str | None = None
        while len(found) < limit and budget > 0:
            chunk = budget if status is None else min(budget, max(2 * limit, 20))
            ids = [text(i) for i in await self._redis.zrevrangebylex(key, upper, "-", 0, chunk)]
            if not ids:
                return found, None
            budget -= len(ids)
            rows = await self.rows(ids)
            for order_id, (data, row_status) in zip(ids, rows, strict=True):
                last = order_id
                if data is None or (status is not None and text(row_status) != status.value):
                    continue
                found.append(OrderState.model_validate_json(data))
                if len(found) == limit:
                    break
            upper = f"({last}"
        more = await self._redis.zrevrangebylex(key, upper, "-", 0, 1)
        return found, last if more else None

    def _expired_ids_below(self, now: datetime) -> str:
        """A lexicographic bound below which listed ids are older than the retention."""
        # The first 10 ULID characters are the millisecond timestamp.
        return "(" + new_order_id(epoch_ms(now) - self.retention_ms)[:10]


class RedisOrderLocks:
    """`OrderLocks` on Redis: the orders' lease locks (`locks`, under the hash tag of `store`),
    each taken in the round trip that reads the order's state."""

    def __init__(self, locks: LeaseLocks, store: RedisOrderStore) -> None:
        self.locks = locks
        self._store = store

    @asynccontextmanager
    async def hold(self, order_id: str) -> AsyncIterator[HeldOrder]:
        reading = (self._store.state_key(order_id), "data")
        async with self.locks.hold(order_id, reading=reading) as held:
            data = held.read if held else None
            yield HeldOrder(held, OrderState.model_validate_json(data) if data else None)


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)
