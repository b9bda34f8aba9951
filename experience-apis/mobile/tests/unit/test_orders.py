"""The order desk over fakes: who may order a quote, who may follow an order."""

from __future__ import annotations

import pytest

from mobile_experience.adapters.fake import FakeCrm, FakeOrders
from mobile_experience.adapters.ports import ProcessOrder
from mobile_experience.domain.errors import CrmUnavailable, OrderNotFound, QuoteNotFound
from mobile_experience.domain.models import Rep
from mobile_experience.domain.orders import OrderDesk

pytestmark = pytest.mark.asyncio

ANNA = Rep(username="anna.becker@trivium.demo")
LUKAS = Rep(username="lukas.schmidt@trivium.demo")
ORDER_ID = "01JA0000000000000000000001"
ANNAS_QUOTE = "0Q0000000000001AAA"
LUKAS_QUOTE = "0Q0000000000002AAA"


class TestOrderQuote:
    async def test_the_owner_orders_their_quote(
        self, desk: OrderDesk, orders: FakeOrders, process_order: ProcessOrder
    ) -> None:
        orders.quotes[ANNAS_QUOTE] = process_order
        view, _ = await desk.order_quote(
            ANNA, ANNAS_QUOTE, idempotency_key="k-1", respond_async=False
        )
        assert view.order_id == ORDER_ID

    async def test_another_reps_quote_is_refused_without_calling_quote_to_order(
        self, desk: OrderDesk, orders: FakeOrders, process_order: ProcessOrder
    ) -> None:
        orders.quotes[LUKAS_QUOTE] = process_order
        with pytest.raises(QuoteNotFound) as refused:
            await desk.order_quote(ANNA, LUKAS_QUOTE, idempotency_key="k-1", respond_async=False)
        assert refused.value.detail == f"No quote of yours has the id {LUKAS_QUOTE!r}."
        assert orders.keys == []
        assert orders.orders == {}

    async def test_a_missing_quote_reads_the_same(
        self, desk: OrderDesk, orders: FakeOrders
    ) -> None:
        missing = "0Q0000000000999AAA"
        with pytest.raises(QuoteNotFound) as refused:
            await desk.order_quote(ANNA, missing, idempotency_key="k-1", respond_async=False)
        assert refused.value.detail == f"No quote of yours has the id {missing!r}."
        assert orders.keys == []

    async def test_with_the_crm_down_nothing_is_ordered(
        self, desk: OrderDesk, orders: FakeOrders, crm: FakeCrm
    ) -> None:
        crm.down = True
        with pytest.raises(CrmUnavailable):
            await desk.order_quote(ANNA, ANNAS_QUOTE, idempotency_key="k-1", respond_async=False)
        assert orders.keys == []


class TestGetOrder:
    async def test_the_placer_follows_an_order_before_its_account_is_known(
        self, desk: OrderDesk, orders: FakeOrders, process_order: ProcessOrder
    ) -> None:
        orders.quotes["0Q0000000000001AAA"] = process_order
        await desk.order_quote(
            ANNA, "0Q0000000000001AAA", idempotency_key="k-1", respond_async=True
        )
        assert (await desk.get_order(ANNA, ORDER_ID)).order_id == ORDER_ID
        assert orders.keys == ["k-1"]
        with pytest.raises(OrderNotFound):
            await desk.get_order(LUKAS, ORDER_ID)

    async def test_the_account_owner_follows_an_order_placed_elsewhere(
        self, desk: OrderDesk, orders: FakeOrders, partner_order: ProcessOrder
    ) -> None:
        orders.orders[ORDER_ID] = partner_order
        view = await desk.get_order(ANNA, ORDER_ID)
        assert view.erp_order_number == "5000002"
        with pytest.raises(OrderNotFound):
            await desk.get_order(LUKAS, ORDER_ID)

    async def test_the_placer_no_longer_follows_an_order_of_an_account_they_lost(
        self, desk: OrderDesk, orders: FakeOrders, partner_order: ProcessOrder, crm: FakeCrm
    ) -> None:
        orders.quotes[ANNAS_QUOTE] = partner_order
        await desk.order_quote(ANNA, ANNAS_QUOTE, idempotency_key="k-1", respond_async=False)
        moved = crm.overviews[partner_order.account_id or ""]
        crm.overviews[moved.account.id] = moved.model_copy(
            update={"owner_username": LUKAS.username}
        )
        with pytest.raises(OrderNotFound):
            await desk.get_order(ANNA, ORDER_ID)
        assert (await desk.get_order(LUKAS, ORDER_ID)).order_id == ORDER_ID

    async def test_an_unknown_order_is_not_found(self, desk: OrderDesk) -> None:
        with pytest.raises(OrderNotFound):
            await desk.get_order(ANNA, ORDER_ID)
