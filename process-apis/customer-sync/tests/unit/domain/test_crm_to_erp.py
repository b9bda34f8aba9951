"""Salesforce → ERP on in-memory systems: ownership, echoes, gaps, lost positions, replays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from customer_sync_process.adapters.ports import ErpAddress, WriteBatch
from customer_sync_process.domain.crm_to_erp import consume_once, process_change
from customer_sync_process.domain.errors import LeaseLost

ACCOUNT = "001000000000077AAA"
CUSTOMER = "1000077"
Setup = Any  # conftest.Setup


async def applied_position(setup: Setup) -> str | None:
    return (await setup.state.get_hash("cdc")).get("position")


class TestProcessChange:
    @pytest.mark.asyncio
    async def test_crm_owned_field_is_written_to_the_erp(self, setup: Setup) -> None:
        event = setup.crm.change(ACCOUNT, phone="+49 2")

        assert await process_change(setup.flow, setup.fence, event) == "applied"

        assert setup.erp.customers[CUSTOMER].phone == "+49 2"
        [entry] = await setup.state.audit_entries(count=10)
        assert entry["before"] == {"phone": "+49 1"}
        assert entry["after"] == {"phone": "+49 2"}
        assert entry["correlationId"] == str(event.replay_id)
        assert await applied_position(setup) == str(event.replay_id)

    @pytest.mark.asyncio
    async def test_own_echo_is_committed_without_work(self, setup: Setup) -> None:
        event = setup.crm.change(ACCOUNT, from_suite=True, phone="+49 3")

        assert await process_change(setup.flow, setup.fence, event) == "echo"

        assert setup.erp.calls["update_profile"] == 0
        assert (await setup.state.stats())["echoes"] == 1
        assert await applied_position(setup) == str(event.replay_id)

    @pytest.mark.asyncio
    async def test_replayed_event_is_not_applied_twice(self, setup: Setup) -> None:
        event = setup.crm.change(ACCOUNT, phone="+49 4")
        await process_change(setup.flow, setup.fence, event)

        assert await process_change(setup.flow, setup.fence, event) == "duplicate"

        assert setup.erp.calls["update_profile"] == 1
        assert len(await setup.state.audit_entries(count=10)) == 1

    @pytest.mark.asyncio
    async def test_erp_owned_field_changed_in_the_crm_is_put_back(self, setup: Setup) -> None:
        setup.erp.change(CUSTOMER, payment_terms="0004")
        event = setup.crm.change(ACCOUNT, paymentTerms="0001")

        await process_change(setup.flow, setup.fence, event)

        assert setup.crm.accounts[ACCOUNT].payment_terms == "0004"
        assert (await setup.state.stats())["conflicts"] == 1
        [entry] = await setup.state.audit_entries(count=10)
        assert (entry["source"], entry["target"], entry["reason"]) == ("erp", "salesforce",
                                                                        "ownership")  # fmt: skip

    @pytest.mark.asyncio
    async def test_shared_field_keeps_the_later_erp_change(self, setup: Setup) -> None:
        street = {"street": "Am Markt 1", "city": "Kassel", "postalCode": "34117", "country": "DE"}
        await _see_erp(setup)
        commit = datetime.now(UTC) - timedelta(seconds=30)
        setup.erp.change(
            CUSTOMER,
            address=ErpAddress(street="Ring", house_number="2", city="Kassel", country="DE"),
        )
        event = setup.crm.change(ACCOUNT, at=commit, billingAddress=street)

        await process_change(setup.flow, setup.fence, event)

        assert setup.erp.customers[CUSTOMER].address.street == "Ring"  # type: ignore[union-attr]
        assert (await setup.state.stats())["conflicts"] == 1

    @pytest.mark.asyncio
    async def test_gap_event_rereads_the_account(self, setup: Setup) -> None:
        setup.crm.accounts[ACCOUNT] = setup.crm.accounts[ACCOUNT].model_copy(
            update={"phone": "+49 5"}
        )
        event = setup.crm.change(ACCOUNT, change_type="gap_update")

        assert await process_change(setup.flow, setup.fence, event) == "gap"

        assert setup.erp.customers[CUSTOMER].phone == "+49 5"
        assert setup.crm.calls["list_profiles"] == 1

    @pytest.mark.asyncio
    async def test_overflow_rereads_everything_changed_since_its_commit(self, setup: Setup) -> None:
        setup.crm.accounts[ACCOUNT] = setup.crm.accounts[ACCOUNT].model_copy(
            update={"phone": "+49 6", "last_modified_at": datetime.now(UTC)}
        )
        event = setup.crm.change(ACCOUNT, change_type="gap_overflow")

        assert await process_change(setup.flow, setup.fence, event) == "overflow"

        assert setup.erp.customers[CUSTOMER].phone == "+49 6"
        assert (await setup.state.stats())["rereads"] == 1

    @pytest.mark.asyncio
    async def test_crash_after_the_erp_write_keeps_the_value_before(self, setup: Setup) -> None:
        event = setup.crm.change(ACCOUNT, phone="+49 7")
        intent = WriteBatch().set(setup.state.key("intent", "1"), '{"before": {"phone": "+49 1"}}')
        await setup.state.write(setup.fence, intent)
        setup.erp.change(CUSTOMER, phone="+49 7")  # written, then the process died

        await process_change(setup.flow, setup.fence, event)

        [entry] = await setup.state.audit_entries(count=10)
        assert entry["before"] == {"phone": "+49 1"}
        assert not await setup.state.exists("intent", "1")

    @pytest.mark.asyncio
    async def test_replica_that_lost_the_lead_cannot_commit(self, setup: Setup) -> None:
        event = setup.crm.change(ACCOUNT, phone="+49 8")
        await setup.lease.release()
        other = type(setup.lease)(setup.lease._redis, holder="other", ttl_seconds=5)
        assert await other.acquire() == setup.fence + 1

        with pytest.raises(LeaseLost):
            await process_change(setup.flow, setup.fence, event)

        assert await applied_position(setup) is None


class TestConsumeOnce:
    @pytest.mark.asyncio
    async def test_lost_position_rereads_then_reads_on(self, setup: Setup) -> None:
        setup.crm.change(ACCOUNT, phone="+49 9")
        setup.crm.lose_position()

        position = await consume_once(setup.flow, setup.fence, "1")

        assert setup.erp.customers[CUSTOMER].phone == "+49 9"
        assert (await setup.state.stats())["rereads"] == 1
        assert position == "1"


async def _see_erp(setup: Setup) -> None:
    from customer_sync_process.domain.values import erp_values

    writes = WriteBatch()
    setup.flow.remember_erp(writes, CUSTOMER, erp_values(setup.erp.customers[CUSTOMER]))
    await setup.state.write(setup.fence, writes)
