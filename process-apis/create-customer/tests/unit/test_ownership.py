"""What a sales rep's customer request may see and link to, and who owns what it creates."""

from __future__ import annotations

from typing import Any

import pytest

from create_customer_process.domain.errors import (
    CreationInProgress,
    DuplicateCustomer,
    DuplicateOfAnotherOwner,
)
from create_customer_process.domain.models import CustomerCreate, OnDuplicate
from create_customer_process.domain.processing import Outcome, submit_customer
from create_customer_process.domain.saga import CustomerFlow
from trivium.problems import CrmUnavailable

from .conftest import fakes

pytestmark = pytest.mark.asyncio

ANNA = "anna.becker@trivium.demo"
LUKAS = "lukas.schmidt@trivium.demo"


def customer_request() -> CustomerCreate:
    return CustomerCreate.model_validate(
        {
            "name": "Contoso Manufacturing Ltd",
            "address": {
                "street": "North First Street",
                "city": "San Jose",
                "postalCode": "95110",
                "region": "CA",
                "country": "US",
            },
            "website": "www.contoso.example",
        }
    )


def nothing_names(problem: DuplicateCustomer, *ids: str) -> None:
    text = repr((problem.detail, problem.extensions))
    for record_id in ids:
        assert record_id not in text


async def submit(flow: CustomerFlow, *, rep: str | None, link: bool = False) -> Any:
    on_duplicate = OnDuplicate.LINK if link else OnDuplicate.REJECT
    return await submit_customer(flow, customer_request(), on_duplicate=on_duplicate, rep=rep)


class TestNewCustomerOfARep:
    async def test_the_new_account_is_owned_by_the_rep(self, flow: CustomerFlow) -> None:
        crm, _ = fakes(flow)
        done = await submit(flow, rep=ANNA)
        assert done.outcome is Outcome.COMPLETED
        [account] = crm.accounts.values()
        assert account.owner_username == ANNA
        assert crm.drafts[account.id].owner_username == ANNA

    async def test_a_service_acting_for_itself_leaves_the_owner_to_the_crm(
        self, flow: CustomerFlow
    ) -> None:
        crm, _ = fakes(flow)
        await submit(flow, rep=None)
        [account] = crm.accounts.values()
        assert crm.drafts[account.id].owner_username is None


class TestDuplicateOfAnotherOwner:
    async def test_another_owners_website_match_names_no_ids(self, flow: CustomerFlow) -> None:
        crm, erp = fakes(flow)
        theirs = crm.add("Other Name", website="https://contoso.example", owner=LUKAS)
        linked = erp.add("Other Name", website="https://contoso.example", external_id=theirs.id)
        with pytest.raises(DuplicateOfAnotherOwner) as refused:
            await submit(flow, rep=ANNA)
        problem = refused.value
        assert problem.status == 409
        assert problem.extensions["accountIds"] == []
        assert problem.extensions["erpCustomerNumbers"] == []
        assert problem.extensions["duplicates"] == []
        assert problem.detail is not None
        assert "already exists" in problem.detail
        assert "access" in problem.detail
        nothing_names(problem, theirs.id, linked.id, "Other Name")
        assert (crm.calls["create_account"], erp.calls["create_customer"]) == (0, 0)

    async def test_link_to_another_owners_record_is_refused(self, flow: CustomerFlow) -> None:
        crm, erp = fakes(flow)
        theirs = crm.add("Contoso Manufacturing", postal_code="95110", owner=LUKAS)
        with pytest.raises(DuplicateOfAnotherOwner) as refused:
            await submit(flow, rep=ANNA, link=True)
        nothing_names(refused.value, theirs.id)
        assert crm.calls["link_account"] == 0
        assert erp.calls["create_customer"] == 0
        assert erp.calls["link_customer"] == 0

    async def test_an_unlinked_erp_customer_is_nobodys_to_link(self, flow: CustomerFlow) -> None:
        crm, erp = fakes(flow)
        unlinked = erp.add("CONTOSO MANUFACTURING", postal_code="95110")
        with pytest.raises(DuplicateOfAnotherOwner) as refused:
            await submit(flow, rep=ANNA, link=True)
        nothing_names(refused.value, unlinked.id)
        assert crm.calls["upsert_account_for_customer"] == 0

    async def test_the_reps_own_records_are_named_and_linked(self, flow: CustomerFlow) -> None:
        crm, erp = fakes(flow)
        mine = crm.add("Contoso Manufacturing", postal_code="95110", owner=ANNA.upper())
        customer = erp.add("Contoso Manufacturing", postal_code="95110", external_id=mine.id)
        crm.accounts[mine.id] = mine.model_copy(update={"erp_customer_number": customer.id})
        with pytest.raises(DuplicateCustomer) as refused:
            await submit(flow, rep=ANNA)
        assert type(refused.value) is DuplicateCustomer
        assert refused.value.extensions["accountIds"] == [mine.id]
        assert refused.value.extensions["erpCustomerNumbers"] == [customer.id]
        linked = await submit(flow, rep=ANNA, link=True)
        assert linked.outcome is Outcome.COMPLETED
        assert linked.state.account_id == mine.id

    async def test_an_erp_customer_of_the_reps_account_found_alone_costs_one_read(
        self, flow: CustomerFlow
    ) -> None:
        crm, erp = fakes(flow)
        mine = crm.add("Somewhere Else GmbH", owner=ANNA)
        customer = erp.add("Contoso Manufacturing", postal_code="95110", external_id=mine.id)
        with pytest.raises(DuplicateCustomer) as refused:
            await submit(flow, rep=ANNA)
        assert type(refused.value) is DuplicateCustomer
        assert refused.value.extensions["erpCustomerNumbers"] == [customer.id]
        assert crm.calls["get_account"] == 1

    async def test_a_service_acting_for_itself_still_sees_every_match(
        self, flow: CustomerFlow
    ) -> None:
        crm, _ = fakes(flow)
        theirs = crm.add("Other Name", website="https://contoso.example", owner=LUKAS)
        with pytest.raises(DuplicateCustomer) as refused:
            await submit(flow, rep=None)
        assert refused.value.extensions["accountIds"] == [theirs.id]


class TestAnotherRepsRequestInFlight:
    async def test_it_is_not_named(self, flow: CustomerFlow) -> None:
        crm, _ = fakes(flow)
        crm.fail_next("create_account", CrmUnavailable("down"))
        first = await submit(flow, rep=LUKAS)
        assert first.outcome is Outcome.ACCEPTED
        with pytest.raises(CreationInProgress) as refused:
            await submit(flow, rep=ANNA)
        assert "requestId" not in refused.value.extensions
        assert "location" not in {name.lower() for name in refused.value.headers}
        with pytest.raises(CreationInProgress) as own:
            await submit(flow, rep=LUKAS)
        assert own.value.extensions["requestId"] == first.state.id

    async def test_a_finished_one_of_another_rep_is_not_named(self, flow: CustomerFlow) -> None:
        crm, erp = fakes(flow)
        first = await submit(flow, rep=LUKAS)
        assert first.outcome is Outcome.COMPLETED
        # The CRM's search has not caught up with the new account yet: only the claim tells.
        crm.accounts.clear()
        erp.customers.clear()
        with pytest.raises(DuplicateOfAnotherOwner) as refused:
            await submit(flow, rep=ANNA, link=True)
        nothing_names(refused.value, first.state.account_id, first.state.erp_customer_number)
