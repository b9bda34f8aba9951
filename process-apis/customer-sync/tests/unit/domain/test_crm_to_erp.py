"""Salesforce → ERP on in-memory systems: ownership, echoes, resyncs, lost positions, replays,
and a CRM replaced by another org."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis.asyncio

from customer_sync_process.adapters.ports import ErpAddress
from customer_sync_process.adapters.redis_state import leader_lease
from customer_sync_process.domain.crm_to_erp import consume_once, process_change, reset_reason
from trivium.locks import LeaseLost
from trivium.write_batch import WriteBatch

ACCOUNT = "001000000000077AAA"
CUSTOMER = "1000077"
ORG = "00D000000000001EAA"
REFRESHED_ORG = "00D000000000002EAA"
Setup = Any  # conftest.Setup


async def applied_position(setup: Setup) -> str | None:
    return (await setup.state.get_hash("cdc")).get("position")


class TestProcessChange:
    @pytest.mark.asyncio
    async def test_crm_owned_field_is_written_to_the_erp(self, setup: Setup) -> None:
        event = setup.crm.change(ACCOUNT, phone="+49 2")

        assert await process_change(setup.flow, setup.fence, event, system_id=ORG) == "applied"

        assert setup.erp.customers[CUSTOMER].phone == "+49 2"
        [entry] = await setup.state.audit_entries(count=10)
        assert entry["before"] == {"phone": "+49 1"}
        assert entry["after"] == {"phone": "+49 2"}
        assert entry["correlationId"] == event.position
        assert await applied_position(setup) == event.position

    @pytest.mark.asyncio
    async def test_own_echo_is_committed_without_work(self, setup: Setup) -> None:
        event = setup.crm.change(ACCOUNT, from_suite=True, phone="+49 3")

        assert await process_change(setup.flow, setup.fence, event, system_id=ORG) == "echo"

        assert setup.erp.calls["update_profile"] == 0
        assert (await setup.state.stats())["echoes"] == 1
        assert await applied_position(setup) == event.position

    @pytest.mark.asyncio
    async def test_replayed_event_is_not_applied_twice(self, setup: Setup) -> None:
        event = setup.crm.change(ACCOUNT, phone="+49 4")
        await process_change(setup.flow, setup.fence, event, system_id=ORG)

        assert await process_change(setup.flow, setup.fence, event, system_id=ORG) == "duplicate"

        assert setup.erp.calls["update_profile"] == 1
        assert len(await setup.state.audit_entries(count=10)) == 1

    @pytest.mark.asyncio
    async def test_erp_owned_field_changed_in_the_crm_is_put_back(self, setup: Setup) -> None:
        setup.erp.change(CUSTOMER, payment_terms="0004")
        event = setup.crm.change(ACCOUNT, paymentTerms="0001")

        await process_change(setup.flow, setup.fence, event, system_id=ORG)

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

        await process_change(setup.flow, setup.fence, event, system_id=ORG)

        assert setup.erp.customers[CUSTOMER].address.street == "Ring"  # type: ignore[union-attr]
        assert (await setup.state.stats())["conflicts"] == 1

    @pytest.mark.asyncio
    async def test_resync_rereads_the_account(self, setup: Setup) -> None:
        setup.crm.accounts[ACCOUNT] = setup.crm.accounts[ACCOUNT].model_copy(
            update={"phone": "+49 5"}
        )
        event = setup.crm.change(ACCOUNT, change_type="resync")

        assert await process_change(setup.flow, setup.fence, event, system_id=ORG) == "resync"

        assert setup.erp.customers[CUSTOMER].phone == "+49 5"
        assert setup.crm.calls["list_profiles"] == 1

    @pytest.mark.asyncio
    async def test_resync_of_all_rereads_everything_changed_since_its_commit(
        self, setup: Setup
    ) -> None:
        setup.crm.accounts[ACCOUNT] = setup.crm.accounts[ACCOUNT].model_copy(
            update={"phone": "+49 6", "last_modified_at": datetime.now(UTC)}
        )
        event = setup.crm.change(None, change_type="resync")

        outcome = await process_change(setup.flow, setup.fence, event, system_id=ORG)

        assert outcome == "resync_all"

        assert setup.erp.customers[CUSTOMER].phone == "+49 6"
        assert (await setup.state.stats())["rereads"] == 1

    @pytest.mark.asyncio
    async def test_crash_after_the_erp_write_keeps_the_value_before(self, setup: Setup) -> None:
        event = setup.crm.change(ACCOUNT, phone="+49 7")
        intent = WriteBatch().set(
            setup.state.key("intent", ORG, event.position), '{"before": {"phone": "+49 1"}}'
        )
        await setup.state.write(setup.fence, intent)
        setup.erp.change(CUSTOMER, phone="+49 7")  # written, then the process died

        await process_change(setup.flow, setup.fence, event, system_id=ORG)

        [entry] = await setup.state.audit_entries(count=10)
        assert entry["before"] == {"phone": "+49 1"}
        assert not await setup.state.exists("intent", ORG, event.position)

    @pytest.mark.asyncio
    async def test_replica_that_lost_the_lead_cannot_commit(
        self, setup: Setup, redis_db: redis.asyncio.Redis
    ) -> None:
        event = setup.crm.change(ACCOUNT, phone="+49 8")
        await setup.lease.release()
        other = leader_lease(redis_db, holder="other", ttl_seconds=5)
        assert await other.acquire() == setup.fence + 1

        with pytest.raises(LeaseLost):
            await process_change(setup.flow, setup.fence, event, system_id=ORG)

        assert await applied_position(setup) is None

    @pytest.mark.asyncio
    async def test_applied_markers_belong_to_their_org(self, setup: Setup) -> None:
        first = setup.crm.change(ACCOUNT, phone="+49 11")
        await process_change(setup.flow, setup.fence, first, system_id=ORG)
        setup.crm.refresh(REFRESHED_ORG)
        again = setup.crm.change(ACCOUNT, phone="+49 12")
        assert again.position == first.position

        outcome = await process_change(setup.flow, setup.fence, again, system_id=REFRESHED_ORG)

        assert outcome == "applied"
        assert setup.erp.customers[CUSTOMER].phone == "+49 12"
        assert await setup.state.exists("applied", ORG, first.position)
        assert await setup.state.exists("applied", REFRESHED_ORG, again.position)

    @pytest.mark.asyncio
    async def test_position_is_committed_with_its_org(self, setup: Setup) -> None:
        event = setup.crm.change(ACCOUNT, phone="+49 13")

        await process_change(setup.flow, setup.fence, event, system_id=ORG)

        cdc = await setup.state.get_hash("cdc")
        assert (cdc["position"], cdc["systemId"]) == (event.position, ORG)


class TestResetReason:
    def test_same_org_reads_on(self) -> None:
        assert reset_reason({"systemId": ORG}, position="position-7", system_id=ORG) is None

    def test_another_org_answered(self) -> None:
        cdc = {"systemId": ORG}

        assert reset_reason(cdc, position="position-7", system_id=REFRESHED_ORG) == "system_changed"

    def test_position_stored_without_its_org(self) -> None:
        cdc = {"position": "position-7"}

        assert reset_reason(cdc, position="position-7", system_id=ORG) == "system_unknown"

    def test_a_first_read_takes_the_org_that_answers(self) -> None:
        assert reset_reason({}, position="now", system_id=ORG) is None
        assert reset_reason({"systemId": ORG}, position="earliest", system_id=REFRESHED_ORG) is None

    def test_a_crm_that_names_no_org_is_read_on(self) -> None:
        assert reset_reason({"systemId": ORG}, position="position-7", system_id=None) is None


class TestConsumeOnce:
    @pytest.mark.asyncio
    async def test_lost_position_rereads_then_reads_on(self, setup: Setup) -> None:
        setup.crm.change(ACCOUNT, phone="+49 9")
        setup.crm.lose_position()

        position = await consume_once(setup.flow, setup.fence, "position-1")

        assert setup.erp.customers[CUSTOMER].phone == "+49 9"
        assert (await setup.state.stats())["rereads"] == 1
        assert position == "position-1"
        cdc = await setup.state.get_hash("cdc")
        assert cdc["lastResetReason"] == "position_lost"
        assert cdc["systemId"] == ORG

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        ("edits", "phones"),
        [
            # Our position 3 is one the refreshed org does not have; its edit is position 1.
            (3, ["+49 21"]),
            # The refreshed org has our position 1 too, but its position 2 does not follow ours:
            # read again from the org, not read on.
            (1, ["+49 22", "+49 23"]),
        ],
        ids=["without-the-position", "with-the-position"],
    )
    async def test_a_refreshed_org_is_read_again(
        self, setup: Setup, edits: int, phones: list[str]
    ) -> None:
        await _applied_in_the_first_org(setup, edits=edits)
        setup.crm.refresh(REFRESHED_ORG)
        for phone in phones:
            setup.crm.change(ACCOUNT, phone=phone)

        position = await consume_once(setup.flow, setup.fence, f"position-{edits}")

        assert setup.erp.customers[CUSTOMER].phone == phones[-1]
        await _reset_recorded(setup, position=position)

    @pytest.mark.asyncio
    async def test_new_events_of_the_refreshed_org_are_applied(self, setup: Setup) -> None:
        await _applied_in_the_first_org(setup, edits=3)
        setup.crm.refresh(REFRESHED_ORG)
        position = await consume_once(setup.flow, setup.fence, "position-3")
        edit = setup.crm.change(ACCOUNT, phone="+49 24")
        assert await setup.state.exists("applied", ORG, edit.position)

        await consume_once(setup.flow, setup.fence, position)

        assert setup.erp.customers[CUSTOMER].phone == "+49 24"
        assert await setup.state.exists("applied", REFRESHED_ORG, edit.position)

    @pytest.mark.asyncio
    async def test_position_stored_without_its_org_rereads(self, setup: Setup) -> None:
        committed = WriteBatch().hset(setup.state.key("cdc"), {"position": "position-1"})
        await setup.state.write(setup.fence, committed)
        setup.crm.change(ACCOUNT, phone="+49 25")
        setup.crm.change(ACCOUNT, phone="+49 26")

        await consume_once(setup.flow, setup.fence, "position-1")

        assert setup.erp.customers[CUSTOMER].phone == "+49 26"
        cdc = await setup.state.get_hash("cdc")
        assert (cdc["lastResetReason"], cdc["systemId"]) == ("system_unknown", ORG)

    @pytest.mark.asyncio
    async def test_first_read_keeps_the_org_that_answered(self, setup: Setup) -> None:
        setup.crm.change(ACCOUNT, phone="+49 27")

        await consume_once(setup.flow, setup.fence, "earliest")

        cdc = await setup.state.get_hash("cdc")
        assert cdc["systemId"] == ORG
        assert "lastResetAt" not in cdc
        assert setup.erp.customers[CUSTOMER].phone == "+49 27"


async def _applied_in_the_first_org(setup: Setup, *, edits: int) -> None:
    for number in range(edits):
        setup.crm.change(ACCOUNT, phone=f"+49 1{number}")
    await consume_once(setup.flow, setup.fence, "earliest")
    assert await setup.state.exists("applied", ORG, f"position-{edits}")


async def _reset_recorded(setup: Setup, *, position: str) -> None:
    cdc = await setup.state.get_hash("cdc")
    assert cdc["systemId"] == REFRESHED_ORG
    assert cdc["previousSystemId"] == ORG
    assert cdc["lastResetReason"] == "system_changed"
    assert cdc["position"] == position
    assert (await setup.state.stats())["rereads"] == 1


async def _see_erp(setup: Setup) -> None:
    from customer_sync_process.domain.values import erp_values

    writes = WriteBatch()
    setup.flow.remember_erp(writes, CUSTOMER, erp_values(setup.erp.customers[CUSTOMER]))
    await setup.state.write(setup.fence, writes)
