"""Shaping and scoping orders: the partner's own account only, ERP progress of its own orders,
`failure` only on failed orders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from partner_portal_experience.adapters.fake import FakeErp, FakeOrders, MemoryCache
from partner_portal_experience.adapters.ports import ErpOrderProgress, ProcessFailure, ProcessOrder
from partner_portal_experience.domain.errors import OrderNotFound
from partner_portal_experience.domain.models import OrderLineCreate, PartnerOrderCreate
from partner_portal_experience.domain.orders import (
    PlacedOrder,
    get_partner_order,
    list_partner_orders,
    place_partner_order,
    progress_of,
    shape_order,
)
from partner_portal_experience.domain.partners import Partner
from partner_portal_experience.domain.portal import PartnerPortal

ORDER_ID = "01JABCDEFGHJKMNPQRSTVWXYZ0"


def process_order(**changes: object) -> ProcessOrder:
    fields: dict[str, object] = {
        "order_id": ORDER_ID,
        "status": "completed",
        "account_id": "001A",
        "account_number": "P-1001",
        "erp_order_number": "7000001",
        "purchase_order_number": "PO-1",
    }
    return ProcessOrder.model_validate({**fields, **changes})


def progress(
    number: str = "7000001", customer: str = "1000001", **changes: str
) -> ErpOrderProgress:
    fields = {"delivery_status": "partial", "billing_status": "not_started", **changes}
    return ErpOrderProgress(id=number, customer_id=customer, **fields)


def order_create(*lines: tuple[str, str]) -> PartnerOrderCreate:
    return PartnerOrderCreate(
        purchase_order_number="PO-77",
        lines=[OrderLineCreate(sku=sku, quantity=Decimal(qty)) for sku, qty in lines],
    )


class TestShapeOrder:
    def test_progress_of_the_orders_erp_number(self) -> None:
        shaped = shape_order(process_order(), progress())
        assert (shaped.delivery_status, shaped.billing_status) == ("partial", "not_started")
        assert "failure" not in shaped.model_dump()

    def test_progress_of_another_erp_order_is_not_shown(self) -> None:
        shaped = shape_order(process_order(), progress(number="7000002"))
        assert shaped.delivery_status is shaped.billing_status is None

    def test_a_status_the_erp_may_add_later_reads_as_null(self) -> None:
        shaped = shape_order(process_order(), progress(delivery_status="in_transit"))
        assert shaped.delivery_status is None

    def test_failure_only_on_a_failed_order(self) -> None:
        failure = ProcessFailure(type="https://trivium.dev/problems/x", title="X", detail="d")
        failed = shape_order(process_order(status="failed", failure=failure), None)
        assert failed.model_dump()["failure"] == {
            "type": "https://trivium.dev/problems/x",
            "title": "X",
            "detail": "d",
        }
        retrying = shape_order(process_order(status="accepted", failure=failure), None)
        assert "failure" not in retrying.model_dump()

    def test_an_order_that_needs_attention_tells_the_partner_without_the_crms_reason(
        self,
    ) -> None:
        shaped = shape_order(process_order(status="needs_attention"), progress())
        assert shaped.status == "needs_attention"
        assert shaped.notice == (
            "Your order was accepted by the ERP as 7000001; the CRM record needs attention "
            "from our team. Nothing is needed from you."
        )
        assert "failure" not in shaped.model_dump()
        assert shaped.delivery_status == "partial"

    def test_notice_only_on_an_order_that_needs_attention(self) -> None:
        for status in ("accepted", "in_erp", "completed", "failed"):
            assert "notice" not in shape_order(process_order(status=status), None).model_dump()


async def place_one(portal: PartnerPortal, partner: Partner, *, respond_async: bool) -> PlacedOrder:
    """One of MAT-0001 placed for the partner."""
    return await place_partner_order(
        portal,
        partner,
        order_create(("MAT-0001", "1")),
        idempotency_key="k",
        respond_async=respond_async,
    )


class TestPlacePartnerOrder:
    @pytest.mark.asyncio
    async def test_on_the_partners_own_account_with_its_key_and_identity(
        self, portal: PartnerPortal, orders: FakeOrders, nordwind: Partner
    ) -> None:
        placed = await place_partner_order(
            portal,
            nordwind.model_copy(update={"consumer": "partner-nordwind"}),
            order_create(("MAT-0001", "2")),
            idempotency_key="key-1",
            respond_async=False,
        )
        [(draft, key, identity)] = orders.placed
        assert draft.account_number == "P-1001"
        assert list(draft.lines) == [("MAT-0001", Decimal(2))]
        assert key == "key-1"
        assert identity == {"consumer": "partner-nordwind", "partnerAccountNumber": "P-1001"}
        assert (placed.order.status, placed.in_background) == ("completed", False)

    @pytest.mark.asyncio
    async def test_the_progress_told_with_the_placed_order_is_not_read_again(
        self, portal: PartnerPortal, erp: FakeErp, nordwind: Partner
    ) -> None:
        placed = await place_one(portal, nordwind, respond_async=False)
        assert (placed.order.delivery_status, placed.order.billing_status) == (
            "not_started",
            "not_started",
        )
        assert "order" not in erp.calls

    @pytest.mark.asyncio
    async def test_without_progress_told_the_erp_is_asked(
        self, portal: PartnerPortal, erp: FakeErp, orders: FakeOrders, nordwind: Partner
    ) -> None:
        orders.progress_told = False
        erp.orders["0000001"] = progress(number="0000001", delivery_status="complete")
        placed = await place_one(portal, nordwind, respond_async=False)
        assert placed.order.delivery_status == "complete"
        assert erp.calls["order"] == 1

    @pytest.mark.asyncio
    async def test_respond_async_goes_on_in_the_background(
        self, portal: PartnerPortal, nordwind: Partner
    ) -> None:
        placed = await place_one(portal, nordwind, respond_async=True)
        assert (placed.order.status, placed.in_background, placed.async_applied) == (
            "accepted",
            True,
            True,
        )


class TestGetPartnerOrder:
    @pytest.mark.asyncio
    async def test_another_partners_order_is_not_found(
        self, portal: PartnerPortal, orders: FakeOrders, alpen: Partner, nordwind: Partner
    ) -> None:
        orders.orders[ORDER_ID] = process_order()
        with pytest.raises(OrderNotFound):
            await get_partner_order(portal, alpen, ORDER_ID)
        assert (await get_partner_order(portal, nordwind, ORDER_ID)).order_id == ORDER_ID

    @pytest.mark.asyncio
    async def test_an_order_not_yet_matched_to_an_account_is_known_by_number(
        self, portal: PartnerPortal, orders: FakeOrders, alpen: Partner, nordwind: Partner
    ) -> None:
        orders.orders[ORDER_ID] = process_order(account_id=None, status="accepted")
        assert (await get_partner_order(portal, nordwind, ORDER_ID)).status == "accepted"
        with pytest.raises(OrderNotFound):
            await get_partner_order(portal, alpen, ORDER_ID)


class TestListPartnerOrders:
    @pytest.mark.asyncio
    async def test_erp_progress_read_once_per_order_and_kept(
        self, portal: PartnerPortal, orders: FakeOrders, erp: FakeErp, nordwind: Partner
    ) -> None:
        for n in range(3):
            order_id = f"01J{n:023d}"
            orders.orders[order_id] = process_order(order_id=order_id, erp_order_number=f"700{n}")
            erp.orders[f"700{n}"] = progress(number=f"700{n}")
        listed, _ = await list_partner_orders(portal, nordwind, status=None, limit=10, cursor=None)
        again, _ = await list_partner_orders(portal, nordwind, status=None, limit=10, cursor=None)
        assert [order.delivery_status for order in listed] == ["partial"] * 3
        assert again == listed
        assert erp.calls["order"] == 3


class TestProgressOf:
    @pytest.mark.asyncio
    async def test_an_erp_order_of_another_customer_is_left_out(
        self, portal: PartnerPortal, erp: FakeErp, nordwind: Partner
    ) -> None:
        erp.orders["7000001"] = progress(customer="1000002")
        assert await progress_of(portal, nordwind, ["7000001"]) == {}

    @pytest.mark.asyncio
    async def test_erp_down_leaves_the_statuses_unknown(
        self, portal: PartnerPortal, erp: FakeErp, cache: MemoryCache, nordwind: Partner
    ) -> None:
        erp.orders["7000001"] = progress()
        erp.down = True
        assert await progress_of(portal, nordwind, ["7000001"]) == {}
        assert cache.values == {}
