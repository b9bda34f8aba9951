"""One bad record never blocks the others: records that fail are parked, the stream goes on,
and a parked record applies once it is set right (by its next change or an operator's retry)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from customer_sync_process.adapters.ports import ErpSalesOrderChange
from customer_sync_process.domain.crm_to_erp import (
    consume_once,
    process_change,
    retry_parked_account,
)
from customer_sync_process.domain.erp_to_crm import poll_erp, retry_parked
from customer_sync_process.domain.parking import (
    discard,
    due_for_retry,
    get_parked,
    list_parked,
    request_retry,
)
from trivium.problems import CrmRejected, ErpRejected, ErpUnavailable
from trivium.write_batch import WriteBatch

pytestmark = pytest.mark.asyncio

ACCOUNT = "001000000000077AAA"
CUSTOMER = "1000077"
ORG = "00D000000000001EAA"
Setup = Any  # conftest.Setup


def quick_retries(setup: Setup, *, attempts: int = 3) -> None:
    """Transient failures are tried again at once (no real waiting in unit tests)."""
    setup.flow.policy = dataclasses.replace(
        setup.flow.policy, record_attempts=attempts, record_retry_seconds=0.0
    )


def add_linked(setup: Setup, account: str, customer: str, name: str) -> None:
    setup.crm.add_account(account, name=name, customer=customer)
    setup.erp.add_customer(customer, name=name, external_id=account)


class TestChangeEvents:
    async def test_an_account_naming_an_unknown_customer_is_parked_and_the_next_applies(
        self, setup: Setup
    ) -> None:
        start = await consume_once(setup.flow, setup.fence, "now")
        setup.crm.add_account("001000000000088AAA", name="Dirty", customer="'; DROP--")
        bad = setup.crm.change("001000000000088AAA", phone="+49 9")
        good = setup.crm.change(ACCOUNT, phone="+49 2")

        position = await consume_once(setup.flow, setup.fence, start)

        assert position == good.position
        assert setup.erp.customers[CUSTOMER].phone == "+49 2"
        parked = await get_parked(setup.flow, "crm-account:001000000000088AAA")
        assert parked is not None
        assert (parked.loop, parked.record_type, parked.attempts) == ("cdc", "account", 1)
        assert parked.error.kind == "permanent"
        assert parked.error.reason == "unknown-erp-customer"
        assert "'; DROP--" in parked.error.detail
        assert parked.fields == ["phone"]
        assert parked.event["position"] == bad.position
        assert (await setup.state.stats())["parked"] == 1

    async def test_a_refused_write_is_parked_with_the_system_apis_status(
        self, setup: Setup
    ) -> None:
        setup.erp.fail_reads(
            CUSTOMER,
            ErpRejected("ERP customer read: invalid", upstreamStatus=400, upstreamType="bad"),
        )
        event = setup.crm.change(ACCOUNT, phone="+49 5")

        assert await process_change(setup.flow, setup.fence, event, system_id=ORG) == "unchanged"

        [parked] = await list_parked(setup.flow)
        assert (parked.id, parked.error.status, parked.error.reason) == (
            f"crm-account:{ACCOUNT}",
            400,
            "bad",
        )
        assert (await setup.state.get_hash("cdc"))["position"] == event.position

    async def test_a_transient_failure_is_tried_again_and_applies(self, setup: Setup) -> None:
        quick_retries(setup)
        setup.erp.fail_reads(CUSTOMER, ErpUnavailable("no answer"), ErpUnavailable("no answer"))
        event = setup.crm.change(ACCOUNT, phone="+49 6")

        assert await process_change(setup.flow, setup.fence, event, system_id=ORG) == "applied"

        assert setup.erp.customers[CUSTOMER].phone == "+49 6"
        assert await list_parked(setup.flow) == []

    async def test_a_transient_failure_past_its_attempts_is_parked_as_transient(
        self, setup: Setup
    ) -> None:
        quick_retries(setup, attempts=2)
        setup.erp.fail_reads(CUSTOMER, *[ErpUnavailable("no answer")] * 2)
        event = setup.crm.change(ACCOUNT, phone="+49 7")

        await process_change(setup.flow, setup.fence, event, system_id=ORG)

        [parked] = await list_parked(setup.flow)
        assert parked.error.kind == "transient"
        assert setup.flow.loops["cdc"].last_error == "no answer"

    async def test_a_later_change_applies_the_parked_fields_too_and_unparks(
        self, setup: Setup
    ) -> None:
        setup.erp.fail_reads(CUSTOMER, ErpRejected("refused", upstreamStatus=400))
        first = setup.crm.change(ACCOUNT, phone="+49 8")
        await process_change(setup.flow, setup.fence, first, system_id=ORG)
        assert setup.erp.customers[CUSTOMER].phone != "+49 8"

        later = setup.crm.change(ACCOUNT, name="Harz Armaturen AG")
        assert await process_change(setup.flow, setup.fence, later, system_id=ORG) == "applied"

        assert setup.erp.customers[CUSTOMER].phone == "+49 8"
        assert setup.erp.customers[CUSTOMER].name == "Harz Armaturen AG"
        assert await list_parked(setup.flow) == []
        assert (await setup.state.stats())["unparked"] == 1

    async def test_an_account_naming_another_accounts_customer_is_parked(
        self, setup: Setup
    ) -> None:
        setup.crm.add_account("001000000000099AAA", name="Twin", customer=CUSTOMER)
        event = setup.crm.change("001000000000099AAA", phone="+49 0")

        await process_change(setup.flow, setup.fence, event, system_id=ORG)

        [parked] = await list_parked(setup.flow)
        assert parked.error.reason == "customer-of-another-account"
        assert ACCOUNT in parked.error.detail
        assert setup.erp.customers[CUSTOMER].phone == "+49 1"

    async def test_an_operators_retry_applies_the_record_once_it_is_set_right(
        self, setup: Setup
    ) -> None:
        setup.crm.add_account("001000000000088AAA", name="Dirty", customer="9" * 40)
        setup.erp.add_customer("1000088", name="Clean")
        await process_change(
            setup.flow, setup.fence, setup.crm.change("001000000000088AAA", name="Clean GmbH"),
            system_id=ORG,
        )  # fmt: skip
        [parked] = await list_parked(setup.flow)
        # Set right in the CRM by someone whose edit the sync has not seen yet.
        setup.crm.accounts["001000000000088AAA"] = setup.crm.accounts[
            "001000000000088AAA"
        ].model_copy(update={"erp_customer_number": "1000088"})

        assert await request_retry(setup.flow, [parked.id]) == 1
        [due] = await due_for_retry(setup.flow)
        writes = WriteBatch()
        assert await retry_parked_account(setup.flow, writes, due)
        await setup.state.write(setup.fence, writes)

        assert setup.erp.customers["1000088"].name == "Clean GmbH"
        assert await list_parked(setup.flow) == []
        assert await due_for_retry(setup.flow) == []


class TestErpPolls:
    async def test_a_customer_whose_account_refuses_the_write_is_parked_and_others_apply(
        self, setup: Setup
    ) -> None:
        add_linked(setup, "001000000000055AAA", "1000055", "Second GmbH")
        await poll_erp(setup.flow, setup.fence)
        setup.crm.fail_writes(
            ACCOUNT, CrmRejected("CRM account update: too long", upstreamStatus=400)
        )
        setup.erp.change(CUSTOMER, payment_terms="NT30")
        setup.erp.change("1000055", payment_terms="NT60")

        await poll_erp(setup.flow, setup.fence)

        assert setup.crm.accounts["001000000000055AAA"].payment_terms == "NT60"
        [parked] = await list_parked(setup.flow, loop="erpPoll")
        assert (parked.id, parked.record_type) == (f"erp-customer:{CUSTOMER}", "customer")

        writes = WriteBatch()
        assert await retry_parked(setup.flow, writes, parked)
        await setup.state.write(setup.fence, writes)

        assert setup.crm.accounts[ACCOUNT].payment_terms == "NT30"
        assert await list_parked(setup.flow) == []

    async def test_a_parked_sales_order_is_retried_with_its_status(self, setup: Setup) -> None:
        setup.crm.orders["4500000077"] = {"erpStatus": "Created", "invoiceNumber": None}
        change = ErpSalesOrderChange(
            id="4500000077", customer_id=CUSTOMER, status="billed", delivery_status="C",
            billing_status="C", invoice_numbers=["90000077"], changed_at=datetime.now(UTC),
        )  # fmt: skip
        setup.erp.order_changes.append(change)
        real = setup.crm.set_order_status

        async def refused(*args: Any, **kwargs: Any) -> Any:
            raise CrmRejected("CRM order status update: refused", upstreamStatus=400)

        setup.crm.set_order_status = refused
        await poll_erp(setup.flow, setup.fence)
        [parked] = await list_parked(setup.flow)
        assert parked.id == "erp-order:4500000077"

        setup.crm.set_order_status = real
        writes = WriteBatch()
        assert await retry_parked(setup.flow, writes, parked)
        await setup.state.write(setup.fence, writes)
        assert setup.crm.orders["4500000077"] == {
            "erpStatus": "Invoiced",
            "invoiceNumber": "90000077",
        }


class TestRetriesAndDiscards:
    async def test_transient_parks_are_due_again_after_the_interval_permanent_ones_are_not(
        self, setup: Setup
    ) -> None:
        quick_retries(setup, attempts=1)
        now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
        setup.flow.clock = lambda: now
        setup.erp.fail_reads(CUSTOMER, ErpUnavailable("no answer"))
        await process_change(
            setup.flow, setup.fence, setup.crm.change(ACCOUNT, phone="+49 1"), system_id=ORG
        )
        setup.crm.add_account("001000000000088AAA", name="Dirty", customer="nope")
        await process_change(
            setup.flow, setup.fence, setup.crm.change("001000000000088AAA", phone="1"),
            system_id=ORG,
        )  # fmt: skip
        assert len(await list_parked(setup.flow)) == 2
        assert await due_for_retry(setup.flow) == []

        later = now + setup.flow.policy.parked_retry_interval + timedelta(seconds=1)
        setup.flow.clock = lambda: later

        assert [item.id for item in await due_for_retry(setup.flow)] == [f"crm-account:{ACCOUNT}"]

    async def test_a_discarded_record_is_gone_and_its_next_change_applies_anew(
        self, setup: Setup
    ) -> None:
        setup.erp.fail_reads(CUSTOMER, ErpRejected("refused", upstreamStatus=400))
        await process_change(
            setup.flow, setup.fence, setup.crm.change(ACCOUNT, phone="+49 3"), system_id=ORG
        )
        await discard(setup.flow, f"crm-account:{ACCOUNT}")

        assert await list_parked(setup.flow) == []
        await process_change(
            setup.flow, setup.fence, setup.crm.change(ACCOUNT, name="Harz AG"), system_id=ORG
        )
        assert setup.erp.customers[CUSTOMER].name == "Harz AG"
        assert setup.erp.customers[CUSTOMER].phone != "+49 3"
