"""ERP → Salesforce on in-memory systems: polled customers and sales orders, and the ERP
system the polls' watermarks belong to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from customer_sync_process.adapters.ports import ErpSalesOrderChange
from customer_sync_process.domain.erp_to_crm import (
    poll_customers,
    poll_erp,
    poll_sales_orders,
    watermark_parts,
)
from trivium.schemas import Money
from trivium.write_batch import WriteBatch

pytestmark = pytest.mark.asyncio

ACCOUNT = "001000000000077AAA"
CUSTOMER = "1000077"
SYSTEM = "S4H/100"
OTHER_SYSTEM = "Q4H/100"
Setup = Any  # conftest.Setup


def credit(amount: int) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


class TestPollCustomers:
    async def test_first_sight_brings_only_erp_owned_fields(self, setup: Setup) -> None:
        setup.erp.change(CUSTOMER, credit_limit=credit(20_000), phone="+49 99")

        assert await poll_customers(setup.flow, setup.fence) == 1

        account = setup.crm.accounts[ACCOUNT]
        assert account.credit_limit == credit(20_000)
        assert account.phone == "+49 1"
        assert "conflicts" not in await setup.state.stats()

    async def test_unchanged_customer_is_skipped(self, setup: Setup) -> None:
        await poll_customers(setup.flow, setup.fence)
        updates = setup.crm.calls["update_profile"]

        assert await poll_customers(setup.flow, setup.fence) == 0
        assert setup.crm.calls["update_profile"] == updates

    async def test_crm_owned_field_changed_in_the_erp_is_put_back(self, setup: Setup) -> None:
        await poll_customers(setup.flow, setup.fence)
        setup.erp.change(CUSTOMER, phone="+49 55")

        await poll_customers(setup.flow, setup.fence)

        assert setup.erp.customers[CUSTOMER].phone == "+49 1"
        assert (await setup.state.stats())["conflicts"] == 1
        # Our own correction is remembered as seen: the next poll writes nothing.
        assert await poll_customers(setup.flow, setup.fence) == 0

    async def test_watermark_moves_to_the_last_change(self, setup: Setup) -> None:
        moment = datetime.now(UTC) + timedelta(seconds=1)
        setup.erp.change(CUSTOMER, at=moment, payment_terms="0002")

        await poll_customers(setup.flow, setup.fence)

        assert await setup.state.get_text("watermark", SYSTEM, "customers") == moment.isoformat()

    async def test_first_watermark_is_kept_while_nothing_changes(self, setup: Setup) -> None:
        setup.erp.change(CUSTOMER, at=datetime.now(UTC) - timedelta(minutes=5))
        await poll_customers(setup.flow, setup.fence)
        first = await setup.state.get_text("watermark", SYSTEM, "customers")

        await poll_customers(setup.flow, setup.fence)

        assert first is not None
        assert await setup.state.get_text("watermark", SYSTEM, "customers") == first


class TestPollSalesOrders:
    async def test_billed_order_shows_invoiced_with_invoice_number(self, setup: Setup) -> None:
        setup.crm.orders["42"] = {"erpStatus": "Created", "invoiceNumber": None}
        setup.erp.order_changes.append(
            ErpSalesOrderChange(
                id="42", customer_id=CUSTOMER, status="billed", delivery_status="complete",
                billing_status="complete", invoice_numbers=["90000007"],
                changed_at=datetime.now(UTC),
            )
        )  # fmt: skip

        assert await poll_sales_orders(setup.flow, setup.fence) == 1
        assert await poll_sales_orders(setup.flow, setup.fence) == 0

        assert setup.crm.orders["42"] == {"erpStatus": "Invoiced", "invoiceNumber": "90000007"}
        assert setup.crm.calls["set_order_status"] == 1
        [entry] = await setup.state.audit_entries(count=10)
        assert entry["before"] == {"erpStatus": "Created", "invoiceNumber": None}


class TestPollErp:
    async def test_each_completed_poll_is_counted_with_its_time(self, setup: Setup) -> None:
        moment = datetime.now(UTC)
        setup.flow.clock = lambda: moment
        setup.erp.change(CUSTOMER, payment_terms="0002")

        assert await poll_erp(setup.flow, setup.fence) == 1
        assert await poll_erp(setup.flow, setup.fence) == 0

        polls = await setup.state.get_hash("erp-poll")
        assert polls == {
            "completed": "2", "lastCompletedAt": moment.isoformat(), "systemId": SYSTEM
        }  # fmt: skip


class TestErpSystem:
    async def test_watermarks_belong_to_the_system_polled(self, setup: Setup) -> None:
        moment = datetime.now(UTC) + timedelta(seconds=1)
        setup.erp.change(CUSTOMER, at=moment, payment_terms="0002")

        await poll_erp(setup.flow, setup.fence)

        assert (await setup.state.get_hash("erp-poll"))["systemId"] == SYSTEM
        assert await setup.state.get_text(*watermark_parts(SYSTEM, "customers")) == (
            moment.isoformat()
        )
        assert await setup.state.get_text(*watermark_parts(SYSTEM, "sales-orders"))
        assert await setup.state.get_text(*watermark_parts(None, "customers")) is None

    async def test_another_system_starts_from_the_first_watermark(self, setup: Setup) -> None:
        late = datetime.now(UTC) + timedelta(hours=1)
        setup.erp.change(CUSTOMER, at=late, payment_terms="0002")
        await poll_erp(setup.flow, setup.fence)
        moment = datetime.now(UTC)
        setup.flow.clock = lambda: moment
        setup.erp.system_id = OTHER_SYSTEM
        # Its history, dated before the first watermark, is not news.
        setup.erp.change(CUSTOMER, at=moment - timedelta(hours=2), payment_terms="0004")

        assert await poll_erp(setup.flow, setup.fence) == 0

        assert setup.crm.accounts[ACCOUNT].payment_terms == "0002"
        first = (moment - timedelta(minutes=1)).isoformat()  # the unit policy's look-back
        assert await setup.state.get_text(*watermark_parts(OTHER_SYSTEM, "customers")) == first
        assert await setup.state.get_text(*watermark_parts(SYSTEM, "customers")) == (
            late.isoformat()
        )
        polls = await setup.state.get_hash("erp-poll")
        assert polls["systemId"] == OTHER_SYSTEM
        assert polls["previousSystemId"] == SYSTEM
        assert polls["lastResetReason"] == "system_changed"
        assert polls["lastResetAt"] == moment.isoformat()

    async def test_changes_of_another_system_after_the_switch_are_applied(
        self, setup: Setup
    ) -> None:
        await poll_erp(setup.flow, setup.fence)
        setup.erp.system_id = OTHER_SYSTEM
        await poll_erp(setup.flow, setup.fence)
        setup.erp.change(CUSTOMER, at=datetime.now(UTC) + timedelta(seconds=1), blocked=True)

        assert await poll_customers(setup.flow, setup.fence) == 1

        assert setup.crm.accounts[ACCOUNT].erp_blocked is True

    async def test_first_system_named_takes_over_the_watermarks_kept(self, setup: Setup) -> None:
        kept = datetime.now(UTC) - timedelta(minutes=30)
        writes = WriteBatch().set(setup.state.key("watermark", "customers"), kept.isoformat())
        await setup.state.write(setup.fence, writes)
        setup.erp.change(CUSTOMER, at=kept + timedelta(minutes=1), payment_terms="0003")

        assert await poll_customers(setup.flow, setup.fence) == 1

        assert setup.crm.accounts[ACCOUNT].payment_terms == "0003"
        assert await setup.state.get_text("watermark", "customers") is None
        polls = await setup.state.get_hash("erp-poll")
        assert polls["systemId"] == SYSTEM
        assert "lastResetAt" not in polls
