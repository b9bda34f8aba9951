"""The ERP's delivery and billing progress shown on an order's status resource."""

from __future__ import annotations

from typing import Any

import pytest

from quote_to_order_process.adapters.fake import FakeErp
from quote_to_order_process.domain.models import ProgressStatus
from quote_to_order_process.domain.progress import get_order_with_progress
from quote_to_order_process.domain.saga import OrderFlow
from trivium.problems import ErpUnavailable

from .conftest import submit_quote_order

pytestmark = pytest.mark.asyncio


async def completed_order(flow: OrderFlow, scenario: Any) -> str:
    processed = await submit_quote_order(flow, scenario, respond_async=False)
    assert processed.order is not None
    return processed.order.id


class TestGetOrderWithProgress:
    async def test_the_erps_current_progress_is_shown_and_kept(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp
    ) -> None:
        order_id = await completed_order(flow, scenario)
        [erp_order] = erp.orders.values()
        erp_order.delivery_status = ProgressStatus.COMPLETE
        erp_order.billing_status = ProgressStatus.PARTIAL
        order = await get_order_with_progress(flow, order_id)
        assert order is not None
        assert (order.delivery_status, order.billing_status) == ("complete", "partial")
        kept = await flow.store.get(order_id)
        assert kept is not None
        assert (kept.delivery_status, kept.billing_status) == ("complete", "partial")

    async def test_with_the_erp_unavailable_the_progress_last_read_is_shown(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp
    ) -> None:
        order_id = await completed_order(flow, scenario)
        erp.fail_next("get_order", ErpUnavailable("ERP order read: down"))
        order = await get_order_with_progress(flow, order_id)
        assert order is not None
        assert (order.delivery_status, order.billing_status) == ("not_started", "not_started")

    async def test_an_order_not_in_the_erp_yet_is_not_read_there(
        self, flow: OrderFlow, scenario: Any, erp: FakeErp
    ) -> None:
        processed = await submit_quote_order(flow, scenario, respond_async=True)
        assert processed.order is not None
        order = await get_order_with_progress(flow, processed.order.id)
        assert order is not None
        assert order.delivery_status is None
        assert erp.calls["get_order"] == 0

    async def test_an_unknown_order_is_none(self, flow: OrderFlow) -> None:
        assert await get_order_with_progress(flow, "01JD0000000000000000000000") is None
