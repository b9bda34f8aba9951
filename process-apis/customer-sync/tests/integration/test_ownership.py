"""The same field changed in both systems resolves by the ownership rules, with no ping-pong."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from .conftest import World, new_phone

pytestmark = pytest.mark.asyncio


class TestConcurrentChange:
    async def test_crm_owned_field_ends_with_the_crm_value(self, world: World) -> None:
        account_id, customer = await world.linked_account()
        await _first_sight(world, account_id, customer, Decimal(31_000))
        before = await _writes_for(world, account_id, customer)
        crm_phone, erp_phone = new_phone("40"), new_phone("40")

        await asyncio.gather(
            world.set_erp_phone(customer, erp_phone),
            world.update("Account", account_id, {"Phone": crm_phone}),
        )

        await world.audited(customer, lambda e: e["after"].get("phone") == crm_phone,
                            what="CRM value written to the ERP")  # fmt: skip
        await world.settled()
        writes = await _writes_for(world, account_id, customer)
        await world.settled()
        assert await _writes_for(world, account_id, customer) == writes, "ping-pong"
        # The CRM's change is written once; the ERP's once more when the ERP poll saw it
        # before the CRM's value overwrote it (whether it did depends on timing).
        assert 1 <= len(writes) - len(before) <= 2
        assert (await world.account(account_id, "Phone"))["Phone"] == crm_phone
        assert (await world.erp_profile(customer))["phone"] == crm_phone

    async def test_erp_owned_field_changed_in_salesforce_is_put_back(self, world: World) -> None:
        account_id, customer = await world.linked_account()
        await _first_sight(world, account_id, customer, Decimal(52_000))

        await world.update("Account", account_id, {"ERP_Credit_Limit__c": 999_999})

        entry = await world.audited(account_id, lambda e: e["reason"] == "ownership",
                                    what="the ERP's credit limit put back")  # fmt: skip
        assert (entry["source"], entry["target"]) == ("erp", "salesforce")
        assert entry["after"]["creditLimit"] == "52000.00"
        await world.settled()
        writes = await _writes_for(world, account_id, customer)
        await world.settled()
        assert await _writes_for(world, account_id, customer) == writes, "ping-pong"
        assert (await world.account(account_id, "ERP_Credit_Limit__c"))[
            "ERP_Credit_Limit__c"
        ] == 52_000
        credit = (await world.erp_profile(customer))["creditLimit"]
        assert Decimal(credit["amount"]) == Decimal(52_000)


async def _first_sight(world: World, account_id: str, customer: str, limit: Decimal) -> None:
    """Change the customer in the ERP and wait until this service has brought it to the CRM:
    from then on it knows the ERP's values, so an ERP change is told from ours."""
    await world.set_credit_limit(customer, limit)
    await world.audited(
        account_id, lambda e: e["after"].get("creditLimit") == f"{limit}.00",
        what="first sight of the customer",
    )  # fmt: skip


async def _writes_for(world: World, account_id: str, customer: str) -> list[str]:
    return [entry["id"] for entry in await world.audit_of(account_id, customer)]
