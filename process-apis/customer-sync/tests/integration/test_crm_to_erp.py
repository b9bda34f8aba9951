"""Salesforce → ERP against the running stack: account changes reach the ERP customer."""

from __future__ import annotations

import pytest

from .conftest import World, new_phone

pytestmark = pytest.mark.asyncio


class TestAccountChange:
    async def test_phone_reaches_the_erp(self, world: World) -> None:
        account_id, customer = await world.linked_account()
        phone = new_phone("30")

        await world.update("Account", account_id, {"Phone": phone})

        await world.audited(customer, lambda e: e["after"] == {"phone": phone},
                            what="phone written to the ERP")  # fmt: skip
        assert (await world.erp_profile(customer))["phone"] == phone
        [entry] = await world.audit_of(customer)
        assert entry["source"] == "salesforce"
        assert entry["target"] == "erp"
        assert entry["fields"] == ["phone"]
        assert entry["reason"] == "change_event"
        assert entry["sourceId"] == account_id
        assert entry["correlationId"]

    async def test_resync_rereads_the_account(self, world: World) -> None:
        account_id, customer = await world.linked_account()
        phone = new_phone("30")
        await world.force_gap(account_id)

        await world.update("Account", account_id, {"Phone": phone})

        # The resync carries no values: the phone can only come from reading the account.
        entry = await world.audited(customer, lambda e: e["after"].get("phone") == phone,
                                    what="phone written to the ERP")  # fmt: skip
        assert entry["reason"] == "resync"
        assert entry["sourceId"] == account_id
        assert (await world.erp_profile(customer))["phone"] == phone

    async def test_own_echo_is_ignored(self, world: World) -> None:
        account_id, customer = await world.linked_account()

        # A write through the Salesforce System API carries the suite's call options client.
        response = await world.sync_crm.patch(
            f"/account-profiles/{account_id}", json={"phone": new_phone("30")}
        )
        assert response.status_code == 200, response.text

        await world.events_consumed()
        assert await world.audit_of(account_id, customer) == []
        assert (await world.erp_profile(customer))["phone"] is None
