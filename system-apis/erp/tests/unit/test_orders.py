"""Placing a sales order once per customer reference: the lookup only after an earlier attempt."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
import redis.asyncio

from erp_system.adapters.fake import FakeErp
from erp_system.domain.errors import ErpTimeout, ErpUnavailable
from erp_system.domain.models import SalesOrderCreate, SalesOrderLineCreate
from erp_system.domain.orders import place_sales_order
from trivium.locks import LeaseLocks
from trivium_testing.waiting import until

from .conftest import new_customer, seed_products, unit_attempts, unit_locks

pytestmark = pytest.mark.asyncio


def new_order(customer_id: str, reference: str = "SF-0001") -> SalesOrderCreate:
    return SalesOrderCreate(
        customer_id=customer_id,
        external_reference=reference,
        lines=[SalesOrderLineCreate(sku="TG000", quantity=Decimal(2))],
    )


async def seeded(erp: FakeErp) -> str:
    seed_products(erp, 1)
    return (await erp.create_customer(new_customer())).id


class TestPlaceSalesOrder:
    async def test_first_attempt_is_the_create_alone(
        self, erp: FakeErp, redis_client: redis.asyncio.Redis
    ) -> None:
        customer = await seeded(erp)
        placed, created = await place_sales_order(
            erp, unit_locks(redis_client), unit_attempts(redis_client), new_order(customer)
        )
        assert created
        assert list(erp.orders) == [placed.id]
        assert erp.lookups == 0

    async def test_attempt_cut_short_after_the_create_is_found_on_retry(
        self, erp: FakeErp, redis_client: redis.asyncio.Redis
    ) -> None:
        customer = await seeded(erp)
        attempts = unit_attempts(redis_client)
        # The first attempt recorded itself and created the order, then its process died.
        await attempts.record_attempt(f"sales-order:{customer}:SF-0001")
        made = await erp.create_sales_order(new_order(customer))

        placed, created = await place_sales_order(
            erp, unit_locks(redis_client), attempts, new_order(customer)
        )

        assert (placed.id, created) == (made.id, False)
        assert len(erp.orders) == 1

    async def test_attempt_that_failed_before_the_create_creates_on_retry(
        self, erp: FakeErp, redis_client: redis.asyncio.Redis
    ) -> None:
        customer = await seeded(erp)
        locks, attempts = unit_locks(redis_client), unit_attempts(redis_client)
        erp.create_failure = ErpUnavailable("The ERP is not available.")
        with pytest.raises(ErpUnavailable):
            await place_sales_order(erp, locks, attempts, new_order(customer))

        placed, created = await place_sales_order(erp, locks, attempts, new_order(customer))

        assert created
        assert list(erp.orders) == [placed.id]
        assert erp.lookups == 2  # the failed create's own lookup, then the retry's

    async def test_lost_answer_of_a_first_attempt_is_looked_up(
        self, erp: FakeErp, redis_client: redis.asyncio.Redis
    ) -> None:
        customer = await seeded(erp)
        erp.lost_create_answer = ErpTimeout("The ERP did not answer in time.")
        placed, created = await place_sales_order(
            erp, unit_locks(redis_client), unit_attempts(redis_client), new_order(customer)
        )
        assert created
        assert list(erp.orders) == [placed.id]

    async def test_order_entered_elsewhere_is_found_when_always_looked_up(
        self, erp: FakeErp, redis_client: redis.asyncio.Redis
    ) -> None:
        customer = await seeded(erp)
        entered = await erp.create_sales_order(new_order(customer))
        placed, created = await place_sales_order(
            erp,
            unit_locks(redis_client),
            unit_attempts(redis_client),
            new_order(customer),
            always_look_up=True,
        )
        assert (placed.id, created) == (entered.id, False)
        assert len(erp.orders) == 1

    async def test_references_are_attempted_each_on_their_own(
        self, erp: FakeErp, redis_client: redis.asyncio.Redis
    ) -> None:
        customer = await seeded(erp)
        locks, attempts = unit_locks(redis_client), unit_attempts(redis_client)
        for reference in ("SF-0001", "SF-0002"):
            await place_sales_order(erp, locks, attempts, new_order(customer, reference))
        assert len(erp.orders) == 2
        assert erp.lookups == 0

    async def test_attempt_recorded_while_waiting_for_the_lock_does_not_skip_the_lookup(
        self, erp: FakeErp, redis_client: redis.asyncio.Redis
    ) -> None:
        customer = await seeded(erp)
        name = f"sales-order:{customer}:SF-0001"
        locks = LeaseLocks(
            redis_client,
            prefix="trivium",
            namespace="erp-system-unit",
            lease_seconds=60,
            wait_seconds=30,
            hashed=True,
        )
        attempts = unit_attempts(redis_client)
        async with locks.hold(name) as other:
            # Another request holds the lock and has not recorded its attempt yet; the waiter's
            # tries record it, then the other request creates the order and lets go.
            assert other
            waiter = asyncio.create_task(
                place_sales_order(erp, locks, attempts, new_order(customer))
            )
            await until(
                lambda: redis_client.exists(attempts.key(name)), what="the waiter's first try"
            )
            made = await erp.create_sales_order(new_order(customer))

        placed, created = await waiter

        assert (placed.id, created) == (made.id, False)
        assert len(erp.orders) == 1
