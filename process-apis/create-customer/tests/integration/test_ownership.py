"""A sales rep's customer requests on the real System APIs and emulators: the new account is the
rep's (seen by signing in to the org as the rep, by the JWT bearer flow), and the duplicate check
names only the rep's own records."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from trivium_testing.stack import ANNA, LUKAS, RepClients, SystemStack

from .conftest import World, create, new_customer, tag

pytestmark = pytest.mark.asyncio

PROBLEMS = "https://trivium.dev/problems/"
DATA = "/services/data/v62.0"
CONNECTED_APP = "trivium-demo-client"
# The emulator's published demo connected-app key (never one of a real org).
DEMO_KEY = (
    Path(__file__).resolve().parents[4]
    / "emulators/salesforce/src/salesforce_emulator/demo/connected-app.key"
)


@asynccontextmanager
async def org_as(stack: SystemStack, username: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The org's REST API signed in as `username` by the OAuth 2.0 JWT bearer flow, and the
    user id the org knows them by."""
    assertion = jwt.encode(
        {
            "iss": CONNECTED_APP,
            "sub": username,
            "aud": "https://login.salesforce.com",
            "exp": int(time.time()) + 180,
        },
        DEMO_KEY.read_bytes(),
        algorithm="RS256",
    )
    async with httpx.AsyncClient(base_url=stack.sf_emulator.url, timeout=30) as org:
        token = await org.post(
            "/services/oauth2/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion,
            },
        )
        assert token.status_code == 200, token.text
        org.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        identity = await org.get(token.json()["id"])
        yield org, identity.json()["user_id"]


def names_nothing_of(response: httpx.Response, *values: str) -> None:
    for value in values:
        assert value not in response.text


class TestNewCustomerOfARep:
    async def test_the_account_is_owned_by_the_rep(
        self, reps: RepClients, system_stack: SystemStack
    ) -> None:
        response = await create(reps.anna, new_customer())
        assert response.status_code == 201, response.text
        account_id = response.json()["accountId"]
        async with org_as(system_stack, ANNA) as (org, user_id):
            rows = await org.get(
                f"{DATA}/query",
                params={"q": f"SELECT Id, OwnerId FROM Account WHERE Id = '{account_id}'"},
            )
        [row] = rows.json()["records"]
        assert row["OwnerId"] == user_id


class TestDuplicateOfAnotherOwner:
    async def test_another_reps_website_gives_no_ids(self, reps: RepClients) -> None:
        body = new_customer()
        first = await create(reps.lukas, body)
        assert first.status_code == 201, first.text
        theirs = first.json()
        same_site = new_customer(website=body["website"])
        response = await create(reps.anna, same_site)
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["type"] == PROBLEMS + "duplicate-customer-of-another-owner"
        assert "already exists" in problem["detail"]
        assert (problem["accountIds"], problem["erpCustomerNumbers"]) == ([], [])
        names_nothing_of(response, theirs["accountId"], theirs["erpCustomerNumber"])

    async def test_link_to_another_reps_record_is_refused(
        self, reps: RepClients, world: World
    ) -> None:
        body = new_customer()
        first = await create(reps.lukas, body)
        assert first.status_code == 201, first.text
        theirs = first.json()
        response = await create(
            reps.anna, new_customer(website=body["website"]), onDuplicate="link"
        )
        assert response.status_code == 409, response.text
        assert response.json()["type"] == PROBLEMS + "duplicate-customer-of-another-owner"
        names_nothing_of(response, theirs["accountId"], theirs["erpCustomerNumber"])
        # Nothing was linked or created for Anna: the site is still one account, Lukas's.
        domain = str(body["website"]).removeprefix("www.")
        rows = await world.query(
            f"SELECT Id, Owner.Username FROM Account WHERE Website LIKE '%{domain}%'"
        )
        assert [(row["Id"], row["Owner"]["Username"]) for row in rows] == [
            (theirs["accountId"], LUKAS)
        ]

    async def test_the_reps_own_customer_is_named(self, reps: RepClients) -> None:
        body = new_customer()
        first = await create(reps.anna, body)
        assert first.status_code == 201, first.text
        again = await create(reps.anna, new_customer(website=body["website"]))
        assert again.status_code == 409, again.text
        problem: dict[str, Any] = again.json()
        assert problem["type"] == PROBLEMS + "duplicate-customer"
        assert problem["accountIds"] == [first.json()["accountId"]]

    async def test_an_integration_owned_account_is_not_the_reps(
        self, reps: RepClients, world: World
    ) -> None:
        word = tag()
        account_id = await world.insert_account(
            {"Name": f"{word.capitalize()} Tools Ltd", "Website": f"https://www.{word}.example"}
        )
        response = await create(reps.anna, new_customer(website=f"www.{word}.example"))
        assert response.status_code == 409, response.text
        names_nothing_of(response, account_id)
