"""The order saga over the in-memory CRM and ERP, with saga states, locks and events in Redis."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import redis.asyncio
import redis.exceptions

from quote_to_order_process.adapters.fake import FAKE_ORG_ID, FakeCrm, FakeErp, FakeSalesOrder
from quote_to_order_process.adapters.ports import ErpOrderDraft
from quote_to_order_process.domain.errors import (
    AccountNotLinked,
    CreditLimitExceeded,
    CrmUnavailable,
    InsufficientStock,
    OrderHasNoLines,
    OrderRejected,
    PriceMismatch,
    QuoteAlreadyOrdered,
)
from quote_to_order_process.domain.models import OrderCreate, OrderStatus, SagaStep
from quote_to_order_process.domain.processing import (
    Outcome,
    Processed,
    process_order,
    submit_order,
)
from quote_to_order_process.domain.saga import OrderFlow
from trivium.problems import ErpRejected, ErpUnavailable

from .conftest import saved, submit_quote_order

pytestmark = pytest.mark.asyncio

DirectOrder = Callable[..., OrderCreate]
EVENT_STREAM = "{q2o-test}:events"
WAKEUPS = "{q2o-test}:wakeups"


async def events(client: redis.asyncio.Redis) -> list[tuple[str, str, dict[str, Any]]]:
    entries = await client.xrange(EVENT_STREAM)
    return [
        (fields[b"type"].decode(), fields[b"orderId"].decode(), json.loads(fields[b"data"]))
        for _, fields in entries
    ]


async def wake_up(client: redis.asyncio.Redis, order_id: str) -> float | None:
    score: float | None = await client.zscore(WAKEUPS, order_id)
    return score


def in_progress(*, retry_after: str | None) -> CrmUnavailable:
    """The CRM write refused because its Idempotency-Key is still claimed."""
    headers = {"Retry-After": retry_after} if retry_after else None
    return CrmUnavailable(
        "CRM order create: the first request with this key has not finished yet.",
        headers=headers,
        upstreamStatus=409,
        upstreamType="idempotency-request-in-progress",
    )


class TestSubmitOrder:
    async def test_an_accepted_quote_becomes_orders_in_both_systems(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp, crm: FakeCrm, redis_client: Any
    ) -> None:
        quote_id = scenario.quote()
        processed = await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=False)
        assert processed.outcome is Outcome.COMPLETED
        order = await saved(flow, processed.order.id)  # type: ignore[union-attr]
        assert (order.status, order.step) == (OrderStatus.COMPLETED, SagaStep.COMPLETED)
        [erp_order] = erp.orders.values()
        assert erp_order.draft.external_reference == quote_id
        assert [(line.sku, line.quantity, line.unit_price) for line in erp_order.draft.lines] == [
            ("MAT-0001", Decimal(2), Decimal("42.75")),
            ("MAT-0002", Decimal(4), Decimal("82.50")),
        ]
        [crm_order] = crm.orders
        assert crm_order.draft.erp_order_number == erp_order.id == order.erp_order_number
        assert crm_order.draft.quote_id == quote_id
        assert crm_order.idempotency_key == f"{order.id}:crm"
        assert [item.unit_price for item in crm_order.draft.items] == [
            Decimal("42.75"),
            Decimal("82.50"),
        ]
        assert order.crm_order_id == crm_order.id
        assert order.total == Decimal("415.50")
        assert crm.calls["get_quote"] == crm.calls["create_order"] == 1
        # The opportunity is closed by the order's own write; the standard quote statuses have
        # no "ordered" one.
        assert crm.opportunity_stages == {"006000000000001AAA": "Closed Won"}
        assert crm.quote_statuses == {}
        assert (order.delivery_status, order.billing_status) == ("not_started", "not_started")
        assert [(kind, oid) for kind, oid, _ in await events(redis_client)] == [
            ("order.created", order.id)
        ]
        assert await wake_up(redis_client, order.id) is None

    async def test_the_quote_is_marked_ordered_when_the_org_has_such_a_status(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm
    ) -> None:
        marking = dataclasses.replace(
            flow, policy=dataclasses.replace(flow.policy, ordered_quote_status="Ordered")
        )
        quote_id = scenario.quote()
        processed = await submit_order(marking, OrderCreate(quote_id=quote_id), respond_async=False)
        assert processed.outcome is Outcome.COMPLETED
        assert crm.quote_statuses == {quote_id: "Ordered"}
        assert crm.calls["create_order"] == 1
        with pytest.raises(QuoteAlreadyOrdered):
            await submit_order(marking, OrderCreate(quote_id=quote_id), respond_async=False)

    async def test_a_direct_order_is_priced_by_the_erp(
        self,
        flow: OrderFlow,
        scenario: Any,
        erp: FakeErp,
        crm: FakeCrm,
        make_direct_order: DirectOrder,
    ) -> None:
        erp.customers["1000001"].prices["MAT-0001"] = Decimal("40.50")
        processed = await submit_order(flow, make_direct_order(), respond_async=False)
        assert processed.outcome is Outcome.COMPLETED
        [erp_order] = erp.orders.values()
        assert erp_order.draft.external_reference == "PO-1"
        assert all(line.unit_price is None for line in erp_order.draft.lines)
        [crm_order] = crm.orders
        assert [(i.sku, i.unit_price) for i in crm_order.draft.items] == [
            ("MAT-0001", Decimal("40.50")),
            ("MAT-0002", Decimal("82.50")),
        ]
        assert crm_order.draft.purchase_order_number == "PO-1"
        assert crm.opportunity_stages == {}
        order = await saved(flow, processed.order.id)  # type: ignore[union-attr]
        assert (order.account_id, order.customer_id) == ("001000000000001AAA", "1000001")

    async def test_the_check_is_one_erp_call_at_the_erps_own_prices(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp, make_direct_order: DirectOrder
    ) -> None:
        processed = await submit_order(flow, make_direct_order(), respond_async=False)
        assert processed.outcome is Outcome.COMPLETED
        assert erp.calls["assess_order"] == 1
        assert [line.unit_price for line in erp.assessed[0]] == [None] * len(erp.assessed[0])

    async def test_a_quote_is_checked_at_its_negotiated_prices(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp
    ) -> None:
        processed = await submit_quote_order(flow, scenario, respond_async=False)
        assert processed.outcome is Outcome.COMPLETED
        order = await saved(flow, processed.order.id)  # type: ignore[union-attr]
        checked = [(line.sku, line.unit_price) for line in erp.assessed[0]]
        assert checked == [(line.sku, line.unit_price) for line in order.lines]

    async def test_respond_async_stores_and_queues_the_order_without_running_it(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm, redis_client: Any
    ) -> None:
        processed = await submit_quote_order(flow, scenario, respond_async=True)
        assert processed.outcome is Outcome.ACCEPTED
        assert crm.calls["get_quote"] == 0
        assert await redis_client.xlen("{q2o-test}:work") == 1
        assert (await saved(flow, processed.order.id)).step is SagaStep.RECEIVED  # type: ignore[union-attr]

    async def test_a_direct_order_without_lines_is_refused_before_it_is_stored(
        self, flow: OrderFlow, make_direct_order: DirectOrder, redis_client: Any
    ) -> None:
        request = make_direct_order().model_copy(update={"lines": []})
        with pytest.raises(OrderHasNoLines):
            await submit_order(flow, request, respond_async=False)
        assert await redis_client.zcard("{q2o-test}:orders") == 0

    async def test_a_business_rejection_fails_the_order_and_emits_order_failed(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp, redis_client: Any
    ) -> None:
        erp.customers["1000001"].credit_available = Decimal("100")
        processed = await submit_quote_order(flow, scenario, respond_async=False)
        assert processed.outcome is Outcome.REJECTED
        assert isinstance(processed.rejection, CreditLimitExceeded)
        assert processed.rejection.extensions["orderId"] == processed.order.id  # type: ignore[union-attr]
        order = await saved(flow, processed.order.id)  # type: ignore[union-attr]
        assert order.status is OrderStatus.FAILED
        assert order.failure is not None
        assert order.failure.type.endswith("/credit-limit-exceeded")
        assert erp.orders == {}
        [(kind, _, data)] = await events(redis_client)
        assert kind == "order.failed"
        assert data["failure"]["status"] == 422
        assert await wake_up(redis_client, order.id) is None

    @pytest.mark.parametrize(
        ("line", "rejection"),
        [
            # Quoted at 25.00, where the ERP's price is 45.00.
            (("MAT-0001", "1", "25.00", None), PriceMismatch),
            # MAT-0003 has no stock.
            (("MAT-0003", "1", "120", None), InsufficientStock),
        ],
        ids=["price-off-the-erp-price", "stock-short-of-the-order"],
    )
    async def test_a_quote_line_the_erp_cannot_honour_is_rejected(
        self,
        flow: OrderFlow,
        scenario: Any,
        line: tuple[str, str, str, str | None],
        rejection: type[OrderRejected],
    ) -> None:
        quote_id = scenario.quote([line])
        processed = await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=False)
        assert isinstance(processed.rejection, rejection)

    async def test_an_erp_customer_that_does_not_exist_is_not_linked(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp
    ) -> None:
        del erp.customers["1000001"]
        processed = await submit_quote_order(flow, scenario, respond_async=False)
        assert isinstance(processed.rejection, AccountNotLinked)

    async def test_a_quote_with_an_unfinished_order_is_already_ordered(
        self, flow: OrderFlow, scenario: Any
    ) -> None:
        quote_id = scenario.quote()
        first = await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=True)
        with pytest.raises(QuoteAlreadyOrdered) as raised:
            await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=False)
        assert raised.value.extensions["existingOrderId"] == first.order.id  # type: ignore[union-attr]

    async def test_a_quote_whose_order_failed_may_be_ordered_again(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp
    ) -> None:
        quote_id = scenario.quote()
        erp.stock["MAT-0002"] = Decimal(1)
        first = await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=False)
        assert first.outcome is Outcome.REJECTED
        erp.stock["MAT-0002"] = Decimal(100)
        second = await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=False)
        assert second.outcome is Outcome.COMPLETED
        assert len(erp.orders) == 1

    async def test_a_purchase_order_number_used_by_another_order_is_a_duplicate(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp, make_direct_order: DirectOrder
    ) -> None:
        first = await submit_order(flow, make_direct_order(), respond_async=False)
        assert first.outcome is Outcome.COMPLETED
        again = make_direct_order(account_id="001000000000001AAA")
        second = await submit_order(flow, again, respond_async=False)
        assert second.outcome is Outcome.REJECTED
        assert second.rejection is not None
        assert second.rejection.slug == "duplicate-purchase-order"
        assert second.rejection.extensions["existingOrderId"] == first.order.id  # type: ignore[union-attr]
        assert len(erp.orders) == 1

    async def test_an_erp_order_made_elsewhere_for_the_quote_is_already_ordered(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp, crm: FakeCrm
    ) -> None:
        quote_id = scenario.quote()
        draft = ErpOrderDraft(customer_id="1000001", external_reference=quote_id, lines=[])
        erp.orders[("1000001", quote_id)] = FakeSalesOrder("77", draft)
        processed = await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=False)
        assert isinstance(processed.rejection, QuoteAlreadyOrdered)
        assert processed.rejection.extensions["erpOrderNumber"] == "77"
        assert crm.orders == []

    async def test_an_unavailable_erp_schedules_the_first_retry(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp, clock: Any, redis_client: Any
    ) -> None:
        erp.fail_next("assess_order", ErpUnavailable("ERP order simulation: down"))
        processed = await submit_quote_order(flow, scenario, respond_async=False)
        assert processed.outcome is Outcome.RETRY_SCHEDULED
        order = await saved(flow, processed.order.id)  # type: ignore[union-attr]
        assert (order.step, order.attempts) == (SagaStep.IDENTIFIED, 1)
        assert order.next_attempt_at == clock() + timedelta(seconds=1)
        assert order.last_error is not None
        assert order.last_error.type.endswith("/erp-unavailable")
        assert await wake_up(redis_client, order.id) == (clock().timestamp() + 1) * 1000

    async def test_a_refused_crm_write_hands_the_order_to_the_workers(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm, clock: Any, redis_client: Any
    ) -> None:
        crm.unorderable_skus.add("MAT-0002")
        processed = await submit_quote_order(flow, scenario, respond_async=False)
        assert processed.outcome is Outcome.HANDED_OFF
        order = await saved(flow, processed.order.id)  # type: ignore[union-attr]
        assert (order.status, order.dead_lettered) == (OrderStatus.IN_ERP, False)
        assert await wake_up(redis_client, order.id) == clock().timestamp() * 1000


NEW_ORG = "00D000000000002EAA"


class TestCrmSystems:
    """Record ids are unique within one CRM system (org) only: a replaced org, with a fresh ERP
    as a fresh stack has, hands the same quote ids and account ids out again."""

    async def test_the_order_records_the_crm_system_it_was_taken_in(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm
    ) -> None:
        processed = await submit_quote_order(flow, scenario, respond_async=True)
        assert processed.order is not None
        assert (await saved(flow, processed.order.id)).crm_system_id == FAKE_ORG_ID

    async def test_a_quote_id_of_a_replaced_org_is_ordered_again_once(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm, erp: FakeErp
    ) -> None:
        quote_id = scenario.quote()
        first = await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=False)
        assert first.outcome is Outcome.COMPLETED
        crm.system_id, erp.orders = NEW_ORG, {}

        second = await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=False)

        assert second.outcome is Outcome.COMPLETED
        assert second.order is not None
        assert second.order.crm_system_id == NEW_ORG
        with pytest.raises(QuoteAlreadyOrdered) as raised:
            await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=False)
        assert raised.value.extensions["existingOrderId"] == second.order.id

    async def test_a_purchase_order_number_of_a_replaced_org_is_ordered_again_once(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm, erp: FakeErp, make_direct_order: Any
    ) -> None:
        first = await submit_order(flow, make_direct_order(), respond_async=False)
        assert first.outcome is Outcome.COMPLETED
        crm.system_id, erp.orders = NEW_ORG, {}

        second = await submit_order(flow, make_direct_order(), respond_async=False)
        again = await submit_order(flow, make_direct_order(), respond_async=False)

        assert second.outcome is Outcome.COMPLETED
        assert again.rejection is not None
        assert again.rejection.slug == "duplicate-purchase-order"
        assert again.rejection.extensions["existingOrderId"] == second.order.id  # type: ignore[union-attr]

    async def test_an_org_that_did_not_name_itself_claims_as_one(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm
    ) -> None:
        crm.system_id = None
        quote_id = scenario.quote()
        first = await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=True)
        with pytest.raises(QuoteAlreadyOrdered) as raised:
            await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=True)
        assert raised.value.extensions["existingOrderId"] == first.order.id  # type: ignore[union-attr]

    async def test_a_crm_that_cannot_say_which_org_it_is_takes_no_order(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm
    ) -> None:
        crm.fail_next("get_system_id", CrmUnavailable("CRM system read: no answer"))
        with pytest.raises(CrmUnavailable):
            await submit_quote_order(flow, scenario, respond_async=True)
        listed, _ = await flow.store.list_orders(account_id=None, status=None, limit=10, after=None)
        assert listed == []


class TestProcessOrder:
    async def test_a_retry_that_is_not_due_yet_is_skipped(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp
    ) -> None:
        erp.fail_next("assess_order", ErpUnavailable("down"))
        first = await submit_quote_order(flow, scenario, respond_async=False)
        processed = await process_order(flow, first.order.id, from_queue=True)  # type: ignore[union-attr]
        assert processed.outcome is Outcome.SKIPPED
        assert erp.calls["assess_order"] == 1

    async def test_a_due_retry_completes_the_order(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp, clock: Any
    ) -> None:
        erp.fail_next("assess_order", ErpUnavailable("down"))
        first = await submit_quote_order(flow, scenario, respond_async=False)
        clock.advance(1)
        processed = await process_order(flow, first.order.id, from_queue=True)  # type: ignore[union-attr]
        assert processed.outcome is Outcome.COMPLETED
        assert len(erp.orders) == 1

    async def test_retries_follow_the_policy_then_the_order_is_dead_lettered(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp, clock: Any, redis_client: Any
    ) -> None:
        erp.fail_next("assess_order", *[ErpUnavailable("down") for _ in range(5)])
        first = await submit_quote_order(flow, scenario, respond_async=False)
        order_id = first.order.id  # type: ignore[union-attr]
        waits = []
        for _ in range(3):
            order = await saved(flow, order_id)
            assert order.next_attempt_at is not None
            waits.append((order.next_attempt_at - clock()).total_seconds())
            clock.now = order.next_attempt_at
            assert (await process_order(flow, order_id, from_queue=True)).outcome is (
                Outcome.RETRY_SCHEDULED
            )
        order = await saved(flow, order_id)
        assert order.next_attempt_at is not None
        waits.append((order.next_attempt_at - clock()).total_seconds())
        assert waits == [1.0, 4.0, 16.0, 60.0]
        clock.now = order.next_attempt_at
        processed = await process_order(flow, order_id, from_queue=True)
        assert processed.outcome is Outcome.DEAD_LETTERED
        parked = await saved(flow, order_id)
        assert (parked.dead_lettered, parked.attempts, parked.status) == (
            True,
            5,
            OrderStatus.ACCEPTED,
        )
        assert await wake_up(redis_client, order_id) is None

    async def test_a_retry_waits_for_the_retry_after_the_crm_answered_with(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm, clock: Any, redis_client: Any
    ) -> None:
        # The CRM write's key is still claimed by a process that died: free in 45 s, not in 1.
        crm.fail_next("create_order", in_progress(retry_after="45"))
        first = await submit_quote_order(flow, scenario, respond_async=False)
        assert first.outcome is Outcome.RETRY_SCHEDULED
        order = await saved(flow, first.order.id)  # type: ignore[union-attr]
        assert (order.step, order.attempts) == (SagaStep.ERP_CREATED, 1)
        assert order.next_attempt_at == clock() + timedelta(seconds=45)
        assert await wake_up(redis_client, order.id) == (clock().timestamp() + 45) * 1000
        clock.now = order.next_attempt_at
        processed = await process_order(flow, order.id, from_queue=True)
        assert processed.outcome is Outcome.COMPLETED
        assert len(crm.orders) == 1

    async def test_retries_waiting_for_a_retry_after_keep_the_attempts_of_the_policy(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm, clock: Any
    ) -> None:
        crm.fail_next("create_order", *[in_progress(retry_after="45") for _ in range(5)])
        first = await submit_quote_order(flow, scenario, respond_async=False)
        order_id = first.order.id  # type: ignore[union-attr]
        waits = []
        for _ in range(4):
            order = await saved(flow, order_id)
            assert order.next_attempt_at is not None
            waits.append((order.next_attempt_at - clock()).total_seconds())
            clock.now = order.next_attempt_at
            processed = await process_order(flow, order_id, from_queue=True)
        # The schedule's 1, 4, 16, 60 s, each at least the 45 s asked for.
        assert waits == [45.0, 45.0, 45.0, 60.0]
        assert processed.outcome is Outcome.DEAD_LETTERED
        assert (await saved(flow, order_id)).attempts == 5

    async def test_a_retry_after_longer_than_the_longest_retry_delay_is_capped(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm, clock: Any
    ) -> None:
        crm.fail_next("create_order", in_progress(retry_after="86400"))
        first = await submit_quote_order(flow, scenario, respond_async=False)
        order = await saved(flow, first.order.id)  # type: ignore[union-attr]
        assert order.next_attempt_at == clock() + timedelta(seconds=60)

    async def test_a_retry_after_is_capped_where_the_policy_says(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm, clock: Any
    ) -> None:
        capped = dataclasses.replace(
            flow, policy=dataclasses.replace(flow.policy, retry_after_cap=20.0)
        )
        crm.fail_next("create_order", in_progress(retry_after="45"))
        first = await submit_quote_order(capped, scenario, respond_async=False)
        order = await saved(capped, first.order.id)  # type: ignore[union-attr]
        assert order.next_attempt_at == clock() + timedelta(seconds=20)

    async def test_the_default_retry_after_of_a_silent_crm_keeps_the_schedule(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm, clock: Any
    ) -> None:
        # 30 s is what this service tells its own callers when the CRM said nothing.
        crm.fail_next("create_order", in_progress(retry_after=CrmUnavailable.retry_after))
        first = await submit_quote_order(flow, scenario, respond_async=False)
        order = await saved(flow, first.order.id)  # type: ignore[union-attr]
        assert order.next_attempt_at == clock() + timedelta(seconds=1)

    async def test_a_refusal_met_by_a_worker_dead_letters_the_order_at_once(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp
    ) -> None:
        erp.customers["1000001"].order_blocked = True
        first = await submit_quote_order(flow, scenario, respond_async=True)
        processed = await process_order(flow, first.order.id, from_queue=True)  # type: ignore[union-attr]
        assert processed.outcome is Outcome.DEAD_LETTERED
        assert processed.order is not None
        assert processed.order.last_error is not None
        assert processed.order.last_error.type.endswith("/erp-rejected")

    async def test_a_replayed_order_goes_on_from_its_step_without_repeating_the_erp_order(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp, crm: FakeCrm
    ) -> None:
        crm.unorderable_skus.add("MAT-0002")
        first = await submit_quote_order(flow, scenario, respond_async=False)
        order_id = first.order.id  # type: ignore[union-attr]
        parked = await process_order(flow, order_id, from_queue=True)
        assert parked.outcome is Outcome.DEAD_LETTERED
        crm.unorderable_skus.clear()
        replayed = await process_order(flow, order_id, from_queue=True)
        assert replayed.outcome is Outcome.COMPLETED
        assert erp.calls["place_order"] == 1
        assert len(crm.orders) == 1
        order = await saved(flow, order_id)
        assert (order.dead_lettered, order.attempts, order.last_error) == (False, 0, None)

    async def test_an_order_whose_process_died_after_the_erp_order_resumes_without_duplicates(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp, crm: FakeCrm, clock: Any
    ) -> None:
        crm.fail_next("create_order", RuntimeError("the process dies here"))
        with pytest.raises(RuntimeError):
            await submit_quote_order(flow, scenario, respond_async=False)
        [order_id] = [
            o.id
            for o in (
                await flow.store.list_orders(account_id=None, status=None, limit=5, after=None)
            )[0]
        ]
        assert (await saved(flow, order_id)).step is SagaStep.ERP_CREATED
        clock.advance(120)
        assert await flow.store.take_due(now=clock(), limit=10, recheck_at=clock()) == [order_id]
        processed = await process_order(flow, order_id, from_queue=True)
        assert processed.outcome is Outcome.COMPLETED
        assert (erp.calls["place_order"], len(erp.orders), len(crm.orders)) == (1, 1, 1)

    async def test_an_erp_order_whose_answer_was_lost_is_adopted_on_the_retry(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp, clock: Any
    ) -> None:
        erp.lose_next_answer("place_order", ErpUnavailable("timed out"))
        first = await submit_quote_order(flow, scenario, respond_async=False)
        assert first.outcome is Outcome.RETRY_SCHEDULED
        clock.advance(1)
        processed = await process_order(flow, first.order.id, from_queue=True)  # type: ignore[union-attr]
        assert processed.outcome is Outcome.COMPLETED
        assert len(erp.orders) == 1
        assert processed.order is not None
        assert processed.order.erp_order_number == next(iter(erp.orders.values())).id

    async def test_a_crm_order_whose_answer_was_lost_is_not_written_twice(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm, clock: Any
    ) -> None:
        crm.lose_next_answer("create_order", CrmUnavailable("timed out"))
        first = await submit_quote_order(flow, scenario, respond_async=False)
        clock.advance(1)
        processed = await process_order(flow, first.order.id, from_queue=True)  # type: ignore[union-attr]
        assert processed.outcome is Outcome.COMPLETED
        assert len(crm.orders) == 1

    async def test_an_order_held_by_another_process_is_looked_at_again_later(
        self, flow: OrderFlow, scenario: Any, clock: Any, redis_client: Any
    ) -> None:
        first = await submit_quote_order(flow, scenario, respond_async=True)
        order_id = first.order.id  # type: ignore[union-attr]
        async with flow.locks.hold(order_id) as held:
            assert held
            processed = await process_order(flow, order_id, from_queue=True)
        assert processed.outcome is Outcome.BUSY
        assert await wake_up(redis_client, order_id) == (clock().timestamp() + 5) * 1000

    async def test_a_process_that_stalled_past_its_lease_overwrites_nothing(
        self,
        flow: OrderFlow,
        scenario: Any,
        erp: FakeErp,
        crm: FakeCrm,
        redis_client: Any,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        first = await submit_quote_order(flow, scenario, respond_async=True)
        order_id = first.order.id  # type: ignore[union-attr]
        place_order = erp.place_order
        stalls = [True]
        taken_over: list[Processed] = []

        async def stall_past_the_lease(draft: Any, *, idempotency_key: str) -> Any:
            if stalls:
                stalls.clear()
                # This process stalls here until its lease runs out; another one finishes it.
                await redis_client.delete(flow.locks.locks.key(order_id))  # type: ignore[attr-defined]
                taken_over.append(await process_order(flow, order_id, from_queue=True))
            return await place_order(draft, idempotency_key=idempotency_key)

        monkeypatch.setattr(erp, "place_order", stall_past_the_lease)
        processed = await process_order(flow, order_id, from_queue=True)
        # Its ERP answer ("exists already") would have rejected the order as a duplicate.
        assert processed.outcome is Outcome.BUSY
        assert [run.outcome for run in taken_over] == [Outcome.COMPLETED]
        assert (await saved(flow, order_id)).step is SagaStep.COMPLETED
        assert (len(erp.orders), len(crm.orders)) == (1, 1)

    async def test_a_finished_order_is_skipped_and_forgets_its_wake_up(
        self, flow: OrderFlow, scenario: Any, redis_client: Any
    ) -> None:
        done = await submit_quote_order(flow, scenario, respond_async=False)
        order_id = done.order.id  # type: ignore[union-attr]
        await redis_client.zadd(WAKEUPS, {order_id: 0})
        processed = await process_order(flow, order_id, from_queue=True)
        assert processed.outcome is Outcome.SKIPPED
        assert await wake_up(redis_client, order_id) is None

    async def test_an_internal_error_met_by_a_worker_dead_letters_the_order(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm
    ) -> None:
        first = await submit_quote_order(flow, scenario, respond_async=True)
        crm.fail_next("get_quote", KeyError("bug"))
        processed = await process_order(flow, first.order.id, from_queue=True)  # type: ignore[union-attr]
        assert processed.outcome is Outcome.DEAD_LETTERED
        assert processed.order is not None
        assert processed.order.last_error is not None
        assert processed.order.last_error.status == 500

    async def test_redis_away_during_a_workers_run_is_left_to_the_queue_not_parked(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm
    ) -> None:
        first = await submit_quote_order(flow, scenario, respond_async=True)
        order_id = first.order.id  # type: ignore[union-attr]
        # A step's call that needs Redis (the saga state, a claim) meets it restarting.
        crm.fail_next("get_quote", redis.exceptions.BusyLoadingError("Redis is loading"))
        with pytest.raises(redis.exceptions.BusyLoadingError):
            await process_order(flow, order_id, from_queue=True)
        order = await saved(flow, order_id)
        assert (order.dead_lettered, order.attempts, order.last_error) == (False, 0, None)
        # The queue delivers it again once Redis is back.
        processed = await process_order(flow, order_id, from_queue=True)
        assert processed.outcome is Outcome.COMPLETED

    async def test_an_erp_refusal_during_the_check_is_dead_lettered_not_failed(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp
    ) -> None:
        first = await submit_quote_order(flow, scenario, respond_async=True)
        erp.fail_next("assess_order", ErpRejected("ERP order simulation: 400"))
        processed = await process_order(flow, first.order.id, from_queue=True)  # type: ignore[union-attr]
        assert processed.outcome is Outcome.DEAD_LETTERED
