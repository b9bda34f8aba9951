"""Saga states, reference claims and wake-ups on a real Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio
from redis.crc import key_slot

from quote_to_order_process.adapters.ports import HeldBy, HeldReference
from quote_to_order_process.adapters.redis_store import RedisOrderLocks, RedisOrderStore
from quote_to_order_process.domain.models import (
    OrderSource,
    OrderState,
    OrderStatus,
    SagaStep,
    new_order_id,
)
from trivium.locks import LeaseLocks, LeaseLost

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


ORG = "00D000000000001EAA"
NEW_ORG = "00D000000000002EAA"


def order(
    *,
    quote_id: str | None = "0Q0A",
    account_id: str | None = None,
    at: datetime = NOW,
    system: str | None = ORG,
) -> OrderState:
    return OrderState(
        id=new_order_id(round(at.timestamp() * 1000)),
        source=OrderSource.QUOTE if quote_id else OrderSource.DIRECT,
        created_at=at,
        updated_at=at,
        crm_system_id=system,
        quote_id=quote_id,
        account_id=account_id,
        purchase_order_number=None if quote_id else "PO-1",
    )


def by_quote(holder: OrderState) -> HeldBy:
    return HeldBy(HeldReference.QUOTE, holder.id)


@pytest.fixture
def store(redis_client: redis.asyncio.Redis) -> RedisOrderStore:
    return RedisOrderStore(redis_client, prefix="{t}", retention=timedelta(days=1))


class TestNewOrderId:
    def test_ids_sort_by_creation_time(self) -> None:
        earlier, later = new_order_id(1_000), new_order_id(1_001)
        assert len(earlier) == len(later) == 26
        assert earlier < later


class TestCreate:
    @pytest.mark.asyncio
    async def test_a_new_order_is_saved_and_claims_its_quote(self, store: RedisOrderStore) -> None:
        first = order()
        assert await store.create(first, wake_at=NOW) is None
        assert await store.get(first.id) == first
        assert await store.create(order(), wake_at=NOW) == by_quote(first)

    @pytest.mark.asyncio
    async def test_the_quote_of_a_failed_order_may_be_claimed_again(
        self, store: RedisOrderStore
    ) -> None:
        first = order()
        await store.create(first, wake_at=NOW)
        await store.save(first.evolve(step=SagaStep.REJECTED), wake_at=None)
        second = order()
        assert await store.create(second, wake_at=NOW) is None
        assert await store.create(order(), wake_at=NOW) == by_quote(second)

    @pytest.mark.asyncio
    async def test_the_same_quote_id_of_another_crm_system_is_another_quote(
        self, store: RedisOrderStore
    ) -> None:
        first = order(system=ORG)
        assert await store.create(first, wake_at=NOW) is None
        assert await store.create(order(system=NEW_ORG), wake_at=NOW) is None
        assert await store.create(order(system=ORG), wake_at=NOW) == by_quote(first)

    @pytest.mark.asyncio
    async def test_a_crm_system_that_did_not_name_itself_claims_as_one_system(
        self, store: RedisOrderStore
    ) -> None:
        first = order(system=None)
        assert await store.create(first, wake_at=NOW) is None
        assert await store.create(order(system=None), wake_at=NOW) == by_quote(first)
        assert await store.create(order(system=ORG), wake_at=NOW) is None

    @pytest.mark.asyncio
    async def test_a_repeated_request_names_the_order_it_created(
        self, store: RedisOrderStore
    ) -> None:
        first = order(quote_id=None, account_id="001A")
        assert await store.create(first, wake_at=NOW, request_id="r-1") is None
        repeat = order(quote_id=None, account_id="001A")
        held = HeldBy(HeldReference.REQUEST, first.id)
        assert await store.create(repeat, wake_at=NOW, request_id="r-1") == held
        assert await store.get(repeat.id) is None
        assert await store.create(repeat, wake_at=NOW, request_id="r-2") is None

    @pytest.mark.asyncio
    async def test_the_request_of_a_failed_order_runs_again(self, store: RedisOrderStore) -> None:
        first = order(quote_id=None, account_id="001A")
        await store.create(first, wake_at=NOW, request_id="r-1")
        await store.save(first.evolve(step=SagaStep.REJECTED), wake_at=None)
        second = order(quote_id=None, account_id="001A")
        assert await store.create(second, wake_at=NOW, request_id="r-1") is None
        held = HeldBy(HeldReference.REQUEST, second.id)
        assert await store.create(order(), wake_at=NOW, request_id="r-1") == held

    @pytest.mark.asyncio
    async def test_the_request_is_looked_at_before_the_quote(self, store: RedisOrderStore) -> None:
        first = order()
        await store.create(first, wake_at=NOW, request_id="r-1")
        held = HeldBy(HeldReference.REQUEST, first.id)
        assert await store.create(order(), wake_at=NOW, request_id="r-1") == held
        assert await store.create(order(), wake_at=NOW, request_id="r-2") == by_quote(first)


class TestClaimKeys:
    def test_a_quote_is_claimed_in_its_crm_system(self, store: RedisOrderStore) -> None:
        assert store.quote_key(order(system=ORG)) == f"{{t}}:ref:quote:{ORG}:0Q0A"

    def test_a_purchase_order_is_claimed_in_its_crm_system_per_account(
        self, store: RedisOrderStore
    ) -> None:
        direct = order(quote_id=None, account_id="001A", system=NEW_ORG)
        assert store.purchase_order_key(direct) == f"{{t}}:ref:po:{NEW_ORG}:001A:PO-1"

    def test_an_unnamed_crm_system_is_a_dash(self, store: RedisOrderStore) -> None:
        assert store.quote_key(order(system=None)) == "{t}:ref:quote:-:0Q0A"

    def test_claims_share_the_hash_slot_of_the_order(self, store: RedisOrderStore) -> None:
        # The scripts touch the order and its claims together: one Redis Cluster slot.
        claimed = order(system=ORG)
        direct = order(quote_id=None, account_id="001A")
        keys = [store.state_key(claimed.id), store.quote_key(claimed), store.request_key("r-1")]
        keys.append(store.purchase_order_key(direct))
        assert len({key_slot(key.encode()) for key in keys}) == 1


class TestClaimReference:
    @pytest.mark.asyncio
    async def test_a_purchase_order_is_claimed_per_account(self, store: RedisOrderStore) -> None:
        first = order(quote_id=None, account_id="001A")
        await store.create(first, wake_at=NOW)
        assert await store.claim_reference(first) is None
        assert await store.claim_reference(first) is None  # its own claim, again
        assert await store.claim_reference(order(quote_id=None, account_id="001A")) == first.id
        assert await store.claim_reference(order(quote_id=None, account_id="001B")) is None

    @pytest.mark.asyncio
    async def test_a_purchase_order_is_claimed_per_crm_system(self, store: RedisOrderStore) -> None:
        first = order(quote_id=None, account_id="001A", system=ORG)
        await store.create(first, wake_at=NOW)
        assert await store.claim_reference(first) is None
        again = order(quote_id=None, account_id="001A", system=NEW_ORG)
        assert await store.claim_reference(again) is None
        same = order(quote_id=None, account_id="001A", system=ORG)
        assert await store.claim_reference(same) == first.id


class TestWakeUps:
    @pytest.mark.asyncio
    async def test_due_orders_are_taken_once_and_re_armed(self, store: RedisOrderStore) -> None:
        due, later = order(), order(quote_id="0Q0B")
        await store.create(due, wake_at=NOW)
        await store.create(later, wake_at=NOW + timedelta(seconds=10))
        recheck = NOW + timedelta(seconds=120)
        assert await store.take_due(now=NOW, limit=10, recheck_at=recheck) == [due.id]
        assert await store.take_due(now=NOW, limit=10, recheck_at=recheck) == []
        taken = await store.take_due(now=recheck, limit=10, recheck_at=recheck)
        assert taken == [later.id, due.id]

    @pytest.mark.asyncio
    async def test_a_finished_order_keeps_no_wake_up_and_is_not_woken_later(
        self, store: RedisOrderStore
    ) -> None:
        done = order()
        await store.create(done, wake_at=NOW)
        await store.save(done.evolve(step=SagaStep.COMPLETED), wake_at=None)
        await store.wake_later(done.id, NOW)
        assert await store.take_due(now=NOW, limit=10, recheck_at=NOW) == []


class TestSaveWithEvent:
    @pytest.mark.asyncio
    async def test_the_event_is_published_with_the_state(
        self, store: RedisOrderStore, redis_client: redis.asyncio.Redis
    ) -> None:
        done = order()
        await store.create(done, wake_at=NOW)
        async with LeaseLocks(redis_client, lease_seconds=5, prefix="{t}").hold(done.id) as held:
            completed = done.evolve(step=SagaStep.COMPLETED)
            await store.save(completed, wake_at=None, held=held, event="order.created")
        [(_, entry)] = await redis_client.xrange(store.events.stream)
        assert (entry[b"type"], entry[b"orderId"]) == (b"order.created", done.id.encode())
        assert await store.get(done.id) == completed

    @pytest.mark.asyncio
    async def test_a_save_refused_for_a_lost_lock_publishes_nothing(
        self, store: RedisOrderStore, redis_client: redis.asyncio.Redis
    ) -> None:
        done = order()
        await store.create(done, wake_at=NOW)
        locks = LeaseLocks(redis_client, lease_seconds=5, prefix="{t}")
        async with locks.hold(done.id) as held:
            await redis_client.set(held.key, "another holder")
            completed = done.evolve(step=SagaStep.COMPLETED)
            with pytest.raises(LeaseLost):
                await store.save(completed, wake_at=None, held=held, event="order.created")
        assert await redis_client.xlen(store.events.stream) == 0
        assert await store.get(done.id) == done


class TestOrderLocks:
    @pytest.mark.asyncio
    async def test_the_order_is_read_as_its_lock_is_taken(
        self, store: RedisOrderStore, redis_client: redis.asyncio.Redis
    ) -> None:
        saved = order()
        await store.create(saved, wake_at=NOW)
        locks = RedisOrderLocks(LeaseLocks(redis_client, lease_seconds=5, prefix="{t}"), store)
        async with locks.hold(saved.id) as first, locks.hold(saved.id) as second:
            assert (bool(first), first.order, bool(second), second.order) == (
                True,
                saved,
                False,
                None,
            )
        async with locks.hold(new_order_id(1)) as unknown:
            assert (bool(unknown), unknown.order) == (True, None)


class TestListOrders:
    @pytest.mark.asyncio
    async def test_orders_older_than_the_retention_leave_the_listing(
        self, store: RedisOrderStore
    ) -> None:
        old = order(at=NOW - timedelta(days=2))
        await store.create(old, wake_at=NOW)
        recent = order(quote_id="0Q0B")
        await store.create(recent, wake_at=NOW)
        await store.save(recent, wake_at=None)
        listed, cursor = await store.list_orders(account_id=None, status=None, limit=5, after=None)
        assert ([o.id for o in listed], cursor) == ([recent.id], None)

    @pytest.mark.asyncio
    async def test_the_status_filter_scans_a_bounded_number_of_orders_per_page(
        self, store: RedisOrderStore
    ) -> None:
        for number in range(25):
            await store.create(order(quote_id=f"Q{number}"), wake_at=NOW)
        listed, cursor = await store.list_orders(
            account_id=None, status=OrderStatus.COMPLETED, limit=2, after=None
        )
        assert listed == []
        assert cursor is not None
