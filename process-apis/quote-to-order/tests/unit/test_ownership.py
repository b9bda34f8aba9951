"""A sales rep orders and reads orders only for the accounts they own (the CRM's owner)."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio

from quote_to_order_process.adapters.fake import FakeCrm, FakeErp
from quote_to_order_process.domain.errors import (
    AccountNotFound,
    AccountScopeRequired,
    CrmUnavailable,
    QuoteNotFound,
)
from quote_to_order_process.domain.models import OrderCreate, OrderState, OrderStatus
from quote_to_order_process.domain.ownership import check_rep_lists_account
from quote_to_order_process.domain.processing import Outcome, submit_order
from quote_to_order_process.domain.progress import get_order_with_progress
from quote_to_order_process.domain.saga import OrderFlow

pytestmark = pytest.mark.asyncio

ANNA = "anna.becker@trivium.demo"
LUKAS = "lukas.schmidt@trivium.demo"
EVENT_STREAM = "{q2o-test}:events"
PARTNER = "001000000000001AAA"  # the scenario's linked partner account
Scenario = Any  # the `scenario` fixture's builder (tests/unit/conftest.py)


def owned_by(crm: FakeCrm, owner: str | None, account_id: str = PARTNER) -> None:
    crm.accounts[account_id] = crm.accounts[account_id].model_copy(update={"owner_username": owner})


def anna_quote(scenario: Scenario) -> str:
    owned_by(scenario.crm, ANNA)
    return scenario.quote()


async def quote_ordered(flow: OrderFlow, scenario: Scenario, *, rep: str) -> OrderState:
    """Anna's quote, ordered by `rep`: the order, whether it completed or was refused."""
    quote_id = anna_quote(scenario)
    placed = await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=False, rep=rep)
    assert placed.order is not None
    return placed.order


async def nothing_anywhere(flow: OrderFlow, crm: FakeCrm, erp: FakeErp) -> None:
    assert erp.orders == {}
    assert crm.orders == []
    orders, _ = await flow.store.list_orders(account_id=None, status=None, limit=10, after=None)
    assert orders == []


class TestOrderForARep:
    async def test_the_owner_orders_their_quote_with_one_quote_read(
        self, flow: OrderFlow, scenario: Scenario, crm: FakeCrm
    ) -> None:
        quote_id = anna_quote(scenario)
        processed = await submit_order(
            flow, OrderCreate(quote_id=quote_id), respond_async=False, rep=ANNA.upper()
        )
        assert processed.outcome is Outcome.COMPLETED
        assert processed.order is not None
        assert processed.order.acting_rep == ANNA.upper()
        assert crm.calls["get_quote"] == 1

    async def test_another_reps_quote_is_not_found_and_nothing_is_kept(
        self,
        flow: OrderFlow,
        scenario: Scenario,
        crm: FakeCrm,
        erp: FakeErp,
        redis_client: redis.asyncio.Redis,
    ) -> None:
        quote_id = anna_quote(scenario)
        with pytest.raises(QuoteNotFound) as refused:
            await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=False, rep=LUKAS)
        assert refused.value.detail == f"No quote of yours has the id {quote_id!r}."
        await nothing_anywhere(flow, crm, erp)
        assert await redis_client.xlen(EVENT_STREAM) == 0
        # The quote is not claimed by the refused attempt: its owner orders it.
        owner = await submit_order(
            flow, OrderCreate(quote_id=quote_id), respond_async=False, rep=ANNA
        )
        assert owner.outcome is Outcome.COMPLETED

    async def test_a_missing_quote_reads_the_same_as_another_reps(
        self, flow: OrderFlow, scenario: Scenario
    ) -> None:
        missing = "0Q0000000000999CAA"
        with pytest.raises(QuoteNotFound) as refused:
            await submit_order(flow, OrderCreate(quote_id=missing), respond_async=False, rep=LUKAS)
        assert refused.value.detail == f"No quote of yours has the id {missing!r}."

    async def test_a_quote_without_an_owner_is_nobodys(
        self, flow: OrderFlow, scenario: Scenario, crm: FakeCrm, erp: FakeErp
    ) -> None:
        quote_id = scenario.quote()
        with pytest.raises(QuoteNotFound):
            await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=False, rep=ANNA)
        await nothing_anywhere(flow, crm, erp)

    async def test_with_the_crm_away_at_first_the_order_is_refused_before_the_erp(
        self, flow: OrderFlow, scenario: Scenario, crm: FakeCrm, erp: FakeErp
    ) -> None:
        quote_id = anna_quote(scenario)
        crm.fail_next("get_quote", CrmUnavailable("The CRM is down."))
        processed = await submit_order(
            flow, OrderCreate(quote_id=quote_id), respond_async=False, rep=LUKAS
        )
        assert processed.outcome is Outcome.REJECTED
        assert processed.order is not None
        assert processed.order.status is OrderStatus.FAILED
        assert processed.order.account_id is None
        assert isinstance(processed.rejection, QuoteNotFound)
        assert erp.orders == {}
        assert crm.orders == []

    async def test_a_service_acting_for_itself_is_not_scoped(
        self, flow: OrderFlow, scenario: Scenario
    ) -> None:
        quote_id = anna_quote(scenario)
        processed = await submit_order(flow, OrderCreate(quote_id=quote_id), respond_async=False)
        assert processed.outcome is Outcome.COMPLETED

    async def test_a_reps_direct_order_needs_their_account(
        self, flow: OrderFlow, scenario: Scenario, crm: FakeCrm, erp: FakeErp, make_direct_order
    ) -> None:
        owned_by(crm, ANNA)
        processed = await submit_order(flow, make_direct_order(), respond_async=False, rep=LUKAS)
        assert isinstance(processed.rejection, AccountNotFound)
        assert erp.orders == {}


class TestReadsForARep:
    async def test_the_owner_reads_the_order_another_rep_does_not(
        self, flow: OrderFlow, scenario: Scenario, crm: FakeCrm
    ) -> None:
        order_id = (await quote_ordered(flow, scenario, rep=ANNA)).id
        assert await get_order_with_progress(flow, order_id, rep=ANNA) is not None
        assert await get_order_with_progress(flow, order_id, rep=LUKAS) is None
        assert await get_order_with_progress(flow, order_id) is not None

    async def test_an_account_moved_to_another_rep_moves_its_orders(
        self, flow: OrderFlow, scenario: Scenario, crm: FakeCrm
    ) -> None:
        order = await quote_ordered(flow, scenario, rep=ANNA)
        owned_by(crm, LUKAS)
        assert await get_order_with_progress(flow, order.id, rep=ANNA) is None
        assert await get_order_with_progress(flow, order.id, rep=LUKAS) is not None

    async def test_an_order_refused_before_its_account_is_the_placers(
        self, flow: OrderFlow, scenario: Scenario, crm: FakeCrm
    ) -> None:
        crm.fail_next("get_quote", CrmUnavailable("The CRM is down."))
        refused = await quote_ordered(flow, scenario, rep=LUKAS)
        assert await get_order_with_progress(flow, refused.id, rep=LUKAS) is not None
        assert await get_order_with_progress(flow, refused.id, rep=ANNA) is None

    async def test_the_crm_away_is_unavailable_not_a_guess(
        self, flow: OrderFlow, scenario: Scenario, crm: FakeCrm
    ) -> None:
        order = await quote_ordered(flow, scenario, rep=ANNA)
        crm.fail_next("get_account", CrmUnavailable("The CRM is down."))
        with pytest.raises(CrmUnavailable):
            await get_order_with_progress(flow, order.id, rep=ANNA)


class TestListingForARep:
    async def test_one_of_their_accounts_at_a_time(
        self, flow: OrderFlow, scenario: Scenario, crm: FakeCrm
    ) -> None:
        owned_by(crm, ANNA)
        await check_rep_lists_account(flow, PARTNER, rep=ANNA)
        with pytest.raises(AccountScopeRequired):
            await check_rep_lists_account(flow, None, rep=ANNA)
        with pytest.raises(AccountNotFound):
            await check_rep_lists_account(flow, PARTNER, rep=LUKAS)
        with pytest.raises(AccountNotFound):
            await check_rep_lists_account(flow, "001000000000999AAA", rep=ANNA)
