"""The order desk over fakes: who may follow an order."""

from __future__ import annotations

import pytest

from mobile_experience.adapters.fake import FakeOrders
from mobile_experience.adapters.ports import ProcessOrder
from mobile_experience.domain.errors import OrderNotFound
from mobile_experience.domain.models import Rep
from mobile_experience.domain.orders import OrderDesk

ANNA = Rep(username="anna.becker@trivium.demo")
LUKAS = Rep(username="lukas.schmidt@trivium.demo")
ORDER_ID = "01JA0000000000000000000001"


class TestGetOrder:
    @pytest.mark.asyncio
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

    @pytest.mark.asyncio
    async def test_the_account_owner_follows_an_order_placed_elsewhere(
        self, desk: OrderDesk, orders: FakeOrders, partner_order: ProcessOrder
    ) -> None:
        orders.orders[ORDER_ID] = partner_order
        view = await desk.get_order(ANNA, ORDER_ID)
        assert view.erp_order_number == "5000002"
        with pytest.raises(OrderNotFound):
            await desk.get_order(LUKAS, ORDER_ID)

    @pytest.mark.asyncio
    async def test_an_unknown_order_is_not_found(self, desk: OrderDesk) -> None:
        with pytest.raises(OrderNotFound):
            await desk.get_order(ANNA, ORDER_ID)
