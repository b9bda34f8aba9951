"""Orders the ERP holds and the CRM refuses: the corrected write, `needs_attention`, retry-crm."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from quote_to_order_process.adapters.fake import FakeCrm, FakeErp
from quote_to_order_process.domain.errors import (
    CrmUnavailable,
    OrderNotFound,
    OrderNotNeedingAttention,
)
from quote_to_order_process.domain.models import (
    OperatorAction,
    OrderStatus,
    SagaStep,
)
from quote_to_order_process.domain.processing import (
    Outcome,
    process_order,
    retry_crm_write,
)
from quote_to_order_process.domain.saga import OrderFlow

from .conftest import saved, submit_quote_order

pytestmark = pytest.mark.asyncio

WAKEUPS = "{q2o-test}:wakeups"


def with_quote_status(flow: OrderFlow, status: str) -> OrderFlow:
    return dataclasses.replace(
        flow, policy=dataclasses.replace(flow.policy, ordered_quote_status=status)
    )


class TestRefusedCrmWrite:
    async def test_a_refused_write_makes_the_order_need_attention(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm, erp: FakeErp, redis_client: Any
    ) -> None:
        crm.refuse_all = "Account: entity is deleted"
        processed = await submit_quote_order(flow, scenario, respond_async=False)
        assert processed.outcome is Outcome.NEEDS_ATTENTION
        order = await saved(flow, processed.order.id)  # type: ignore[union-attr]
        assert (order.status, order.step, order.dead_lettered) == (
            OrderStatus.NEEDS_ATTENTION,
            SagaStep.NEEDS_ATTENTION,
            False,
        )
        assert order.attention is not None
        assert order.attention.erp_order_number == order.erp_order_number
        assert order.attention.actions == [OperatorAction.RETRY_CRM]
        assert order.attention.reason.type.endswith("/crm-rejected")
        assert f"/orders/{order.id}/retry-crm" in order.attention.detail
        assert await redis_client.zscore(WAKEUPS, order.id) is None
        assert (len(erp.orders), len(crm.orders)) == (1, 0)

    async def test_a_worker_acknowledges_it_instead_of_dead_lettering_it(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm
    ) -> None:
        crm.refuse_all = "Account: entity is deleted"
        first = await submit_quote_order(flow, scenario, respond_async=True)
        processed = await process_order(flow, first.order.id, from_queue=True)  # type: ignore[union-attr]
        assert processed.outcome is Outcome.NEEDS_ATTENTION
        again = await process_order(flow, first.order.id, from_queue=True)  # type: ignore[union-attr]
        assert again.outcome is Outcome.SKIPPED

    async def test_an_unavailable_crm_is_still_retried(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm
    ) -> None:
        crm.fail_next("create_order", CrmUnavailable("down", upstreamStatus=503))
        processed = await submit_quote_order(flow, scenario, respond_async=False)
        assert processed.outcome is Outcome.RETRY_SCHEDULED
        assert processed.order is not None
        assert processed.order.status is OrderStatus.IN_ERP

    async def test_a_refusal_of_unknown_kind_is_still_dead_lettered(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm
    ) -> None:
        crm.unorderable_skus.add("MAT-0002")
        first = await submit_quote_order(flow, scenario, respond_async=True)
        processed = await process_order(flow, first.order.id, from_queue=True)  # type: ignore[union-attr]
        assert processed.outcome is Outcome.DEAD_LETTERED


class TestCorrectedWrite:
    async def test_a_refused_optional_field_is_left_out_and_the_order_completes(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm, erp: FakeErp
    ) -> None:
        flow = with_quote_status(flow, "Ordered")
        crm.refused_fields["quote_status"] = "/status"
        processed = await submit_quote_order(flow, scenario, respond_async=False)
        assert processed.outcome is Outcome.COMPLETED
        order = await saved(flow, processed.order.id)  # type: ignore[union-attr]
        assert order.crm_omitted_fields == ["quoteStatus"]
        [written] = crm.orders
        assert written.draft.quote_status is None
        assert written.draft.opportunity_stage == "Closed Won"
        assert written.idempotency_key == f"{order.id}:crm:corrected"
        assert len(erp.orders) == 1

    async def test_a_corrected_write_refused_again_needs_attention(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm
    ) -> None:
        flow = with_quote_status(flow, "Ordered")
        crm.refused_fields.update({"quote_status": "/status", "opportunity_stage": "/status"})
        processed = await submit_quote_order(flow, scenario, respond_async=False)
        assert processed.outcome is Outcome.NEEDS_ATTENTION
        assert crm.calls["create_order"] == 2


class TestRetryCrmWrite:
    async def test_a_retry_after_the_fix_completes_the_order_once_in_both_systems(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm, erp: FakeErp
    ) -> None:
        crm.refuse_all = "Account: entity is deleted"
        first = await submit_quote_order(flow, scenario, respond_async=False)
        order_id = first.order.id  # type: ignore[union-attr]
        crm.refuse_all = None
        processed = await retry_crm_write(flow, order_id)
        assert processed.outcome is Outcome.COMPLETED
        order = await saved(flow, order_id)
        assert (order.status, order.attention, order.crm_retries) == (
            OrderStatus.COMPLETED,
            None,
            1,
        )
        assert (len(erp.orders), erp.calls["place_order"]) == (1, 1)
        [written] = crm.orders
        assert written.idempotency_key == f"{order_id}:crm:retry-1"
        assert (await flow.store.list_needing_attention(limit=10, after=None))[0] == []

    async def test_a_retry_refused_again_needs_attention_again(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm
    ) -> None:
        crm.refuse_all = "Account: entity is deleted"
        first = await submit_quote_order(flow, scenario, respond_async=False)
        processed = await retry_crm_write(flow, first.order.id)  # type: ignore[union-attr]
        assert processed.outcome is Outcome.NEEDS_ATTENTION
        assert processed.order is not None
        assert processed.order.crm_retries == 1

    async def test_an_order_that_does_not_need_attention_is_a_conflict(
        self, flow: OrderFlow, scenario: Any
    ) -> None:
        first = await submit_quote_order(flow, scenario, respond_async=False)
        with pytest.raises(OrderNotNeedingAttention):
            await retry_crm_write(flow, first.order.id)  # type: ignore[union-attr]

    async def test_an_unknown_order_is_not_found(self, flow: OrderFlow) -> None:
        with pytest.raises(OrderNotFound):
            await retry_crm_write(flow, "01J00000000000000000000000")


class TestListNeedingAttention:
    async def test_orders_that_need_attention_are_listed_newest_first_in_pages(
        self, flow: OrderFlow, scenario: Any, crm: FakeCrm
    ) -> None:
        await submit_quote_order(flow, scenario, respond_async=False)
        crm.refuse_all = "Account: entity is deleted"
        ids = []
        for _ in range(3):
            placed = await submit_quote_order(flow, scenario, respond_async=False)
            ids.append(placed.order.id)  # type: ignore[union-attr]
        first, cursor = await flow.store.list_needing_attention(limit=2, after=None)
        assert [order.id for order in first] == ids[::-1][:2]
        assert cursor is not None
        rest, end = await flow.store.list_needing_attention(limit=2, after=cursor)
        assert ([order.id for order in rest], end) == ([ids[0]], None)
