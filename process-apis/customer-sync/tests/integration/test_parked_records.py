"""A poison record on the real stack: an account whose ERP number the ERP never issued is
parked with its reason, the edits after it still reach the ERP, `/status` tells the truth, and
operators retry or discard it through the API."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from trivium_testing.waiting import until

pytestmark = pytest.mark.asyncio

World = Any  # conftest.World

# ERP numbers are unique in the org: each test run makes its own (within the field's 20).
POISON_NUMBERS = ("'; DROP--{}", "9{:0>13}999999")


def unique_digits() -> str:
    return str(secrets.randbelow(10**10)).zfill(10)


async def parked_item(operator: httpx.AsyncClient, account_id: str) -> dict[str, Any] | None:
    response = await operator.get(f"/parked/crm-account:{account_id}")
    if response.status_code == 404:
        return None
    response.raise_for_status()
    item: dict[str, Any] = response.json()
    return item


@pytest.mark.parametrize("number", POISON_NUMBERS)
async def test_a_poison_account_is_parked_and_the_edits_after_it_still_apply(
    world: World, operator: httpx.AsyncClient, number: str
) -> None:
    good_account, customer = await world.linked_account()
    bad_account = await world.insert(
        "Account",
        {"Name": "Dirty Data Ltd", "ERP_Customer_Number__c": number.format(unique_digits())},
    )
    await world.update("Account", bad_account, {"Phone": "+49 30 1"})
    await world.update("Account", good_account, {"Phone": "+49 30 2"})

    async def good_edit_arrived() -> bool:
        return bool((await world.erp_profile(customer)).get("phone") == "+49 30 2")

    await until(good_edit_arrived, what="the edit after the poison account")
    item = await parked_item(operator, bad_account)
    assert item is not None
    assert item["loop"] == "cdc"
    assert item["error"]["kind"] == "permanent"
    assert item["error"]["detail"]
    assert item["attempts"] >= 1

    status = await world.status()
    assert status["loops"]["cdc"]["state"] == "running"
    assert status["loops"]["cdc"]["parked"] >= 1
    assert status["parked"] >= 1
    listed = (await operator.get("/parked", params={"loop": "cdc"})).json()
    assert bad_account in {entry["recordId"] for entry in listed["items"]}

    assert (await operator.delete(f"/parked/crm-account:{bad_account}")).status_code == 204
    gone = await operator.get(f"/parked/crm-account:{bad_account}")
    assert gone.status_code == 404
    assert gone.headers["content-type"].startswith("application/problem+json")


async def test_a_parked_account_set_right_applies_on_its_next_change(
    world: World, operator: httpx.AsyncClient
) -> None:
    _, customer = await world.linked_account()
    other, spare = await world.linked_account()
    bad_account = await world.insert(
        "Account", {"Name": "Typo Industries", "ERP_Customer_Number__c": "1x" + customer}
    )
    await world.update("Account", bad_account, {"Phone": "+49 40 7"})

    async def parked() -> bool:
        return await parked_item(operator, bad_account) is not None

    await until(parked, what="the account with a mistyped ERP number parked")
    # Someone fixes the number in Salesforce (to a customer of its own): the change re-checks it.
    await world.update(
        "Account", other, {"ERP_Customer_Number__c": None}
    )  # frees `spare` for the fixed account
    await world.update("Account", bad_account, {"ERP_Customer_Number__c": spare})

    async def applied() -> bool:
        phone = (await world.erp_profile(spare)).get("phone")
        return phone == "+49 40 7" and not await parked()

    await until(applied, what="the fixed account applied and no longer parked")


async def test_an_operators_retry_runs_on_the_leader(
    world: World, operator: httpx.AsyncClient
) -> None:
    bad_account = await world.insert(
        "Account", {"Name": "Retry Me GmbH", "ERP_Customer_Number__c": "7" + unique_digits()}
    )
    await world.update("Account", bad_account, {"Phone": "+49 89 1"})

    async def parked_with_the_phone() -> bool:
        item = await parked_item(operator, bad_account)
        return item is not None and item["event"].get("values", {}).get("phone") == "+49 89 1"

    await until(parked_with_the_phone, what="the account parked with its latest change")
    before = await parked_item(operator, bad_account)
    assert before is not None
    accepted = await operator.post(f"/parked/crm-account:{bad_account}/retry")
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["retryRequestedAt"]

    async def tried_again() -> bool:
        item = await parked_item(operator, bad_account)
        return item is not None and item["attempts"] > before["attempts"]

    await until(tried_again, what="the leader tried the parked account again")
    everything = await operator.post("/parked/retry")
    assert everything.status_code == 202
    assert everything.json()["requested"] >= 1
    await operator.delete(f"/parked/crm-account:{bad_account}")


async def test_parked_records_are_for_operators_only(world: World) -> None:
    refused = await world.sync.get("/parked")

    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
