"""Taking and finishing customer requests over the in-memory systems."""

from __future__ import annotations

import pytest
import redis.exceptions

from create_customer_process.domain.errors import CreationInProgress, DuplicateCustomer
from create_customer_process.domain.models import OnDuplicate, SagaStep
from create_customer_process.domain.processing import Outcome, process_request, submit_customer
from create_customer_process.domain.saga import CustomerFlow
from trivium.problems import CrmUnavailable, ErpRejected, ErpUnavailable
from trivium.tracing import traceparent, tracer

from .conftest import customer_request, event_types, fakes, queued, submit_new_customer

pytestmark = pytest.mark.asyncio


class TestSubmitCustomer:
    async def test_account_then_customer_then_link(self, flow: CustomerFlow) -> None:
        crm, erp = fakes(flow)
        done = await submit_new_customer(flow)
        assert done.outcome is Outcome.COMPLETED
        state = done.state
        assert state is not None
        [account] = crm.accounts.values()
        [customer] = erp.customers.values()
        assert (account.erp_customer_number, customer.external_id) == (customer.id, account.id)
        draft = erp.drafts[customer.id]
        assert (draft.region, draft.country, draft.sales_area) == (
            "CA",
            "US",
            {"sales_organization": "1010"},
        )
        assert (crm.drafts[account.id].region, crm.drafts[account.id].country) == (
            "California",
            "United States",
        )
        assert event_types(flow) == ["customer.created"]

    async def test_duplicate_by_domain_is_refused_before_anything_is_written(
        self, flow: CustomerFlow
    ) -> None:
        crm, erp = fakes(flow)
        crm.add("Other Name", website="https://contoso.example")
        with pytest.raises(DuplicateCustomer) as refused:
            await submit_new_customer(flow)
        assert refused.value.extensions["duplicates"][0]["matchedOn"] == ["websiteDomain"]
        assert (crm.calls["create_account"], erp.calls["create_customer"]) == (0, 0)

    async def test_a_lookalike_is_no_duplicate(self, flow: CustomerFlow) -> None:
        crm, _ = fakes(flow)
        crm.add(
            "Contoso Manufacturing Ltd", postal_code="10115", website="https://notcontoso.example"
        )
        done = await submit_new_customer(flow)
        assert done.outcome is Outcome.COMPLETED

    async def test_link_to_an_erp_customer_upserts_the_account_by_its_number(
        self, flow: CustomerFlow
    ) -> None:
        crm, erp = fakes(flow)
        existing = erp.add("CONTOSO MANUFACTURING", postal_code="95110")
        done = await submit_customer(flow, customer_request(), on_duplicate=OnDuplicate.LINK)
        assert done.state is not None
        assert (done.state.account_created, done.state.erp_customer_created) == (True, False)
        [account] = crm.accounts.values()
        assert account.erp_customer_number == existing.id
        assert erp.customers[existing.id].external_id == account.id
        assert erp.calls["create_customer"] == 0

    async def test_a_concurrent_request_for_the_same_customer_is_409(
        self, flow: CustomerFlow
    ) -> None:
        crm, _ = fakes(flow)
        crm.fail_next("create_account", CrmUnavailable("down"))
        first = await submit_new_customer(flow)
        assert first.outcome is Outcome.ACCEPTED
        with pytest.raises(CreationInProgress) as refused:
            await submit_new_customer(flow)
        assert first.state is not None
        assert refused.value.extensions["requestId"] == first.state.id

    async def test_a_request_keeps_the_trace_it_was_made_in_for_its_later_runs(
        self, flow: CustomerFlow
    ) -> None:
        crm, _ = fakes(flow)
        crm.fail_next("create_account", CrmUnavailable("down"))
        with tracer().start_as_current_span("POST /customers") as request:
            accepted = await submit_new_customer(flow)
        assert accepted.state is not None
        stored = await flow.store.get(accepted.state.id)
        assert stored is not None
        assert stored.trace_context == {"traceparent": traceparent(request)}


class TestProcessRequest:
    async def test_erp_unavailable_hands_over_and_a_worker_finishes_once(
        self, flow: CustomerFlow
    ) -> None:
        crm, erp = fakes(flow)
        erp.fail_next("create_customer", ErpUnavailable("down"), ErpUnavailable("down"))
        taken = await submit_new_customer(flow)
        assert taken.outcome is Outcome.ACCEPTED
        assert taken.state is not None
        request_id = taken.state.id
        assert queued(flow) == [request_id]
        again = await process_request(flow, request_id, attempt=1)
        assert again.outcome is Outcome.RETRY_SCHEDULED
        done = await process_request(flow, request_id, attempt=2)
        assert done.outcome is Outcome.COMPLETED
        assert done.state is not None
        assert done.state.attempts == 2
        assert (len(crm.accounts), len(erp.customers)) == (1, 1)

    async def test_a_lost_erp_answer_keeps_the_customer_counted_as_created(
        self, flow: CustomerFlow
    ) -> None:
        _, erp = fakes(flow)
        erp.lose_next_answer("create_customer", ErpUnavailable("answer lost"))
        taken = await submit_new_customer(flow)
        assert taken.state is not None
        done = await process_request(flow, taken.state.id, attempt=1)
        assert done.state is not None
        assert (done.outcome, done.state.erp_customer_created) == (Outcome.COMPLETED, True)
        assert len(erp.customers) == 1

    async def test_erp_refusal_deletes_the_new_account_again(self, flow: CustomerFlow) -> None:
        crm, erp = fakes(flow)
        erp.refused_countries.add("US")
        failed = await submit_new_customer(flow)
        assert failed.outcome is Outcome.FAILED
        assert isinstance(failed.problem, ErpRejected)
        assert failed.state is not None
        assert (failed.state.step, failed.state.compensated) == (SagaStep.FAILED, True)
        assert crm.accounts == {}
        assert event_types(flow) == ["customer.failed"]
        # Its claims are given up: the corrected customer may be sent again.
        erp.refused_countries.clear()
        retried = await submit_new_customer(flow)
        assert retried.outcome is Outcome.COMPLETED

    async def test_redis_away_during_a_workers_run_is_left_to_the_queue_not_parked(
        self, flow: CustomerFlow
    ) -> None:
        _, erp = fakes(flow)
        erp.fail_next("create_customer", ErpUnavailable("down"))
        taken = await submit_new_customer(flow)
        assert taken.state is not None
        # A step's call that needs Redis (the request's state, a claim) meets it restarting.
        erp.fail_next("create_customer", redis.exceptions.ConnectionError("Connection reset"))
        with pytest.raises(redis.exceptions.ConnectionError):
            await process_request(flow, taken.state.id, attempt=3)
        stored = await flow.store.get(taken.state.id)
        assert stored is not None
        assert (stored.dead_lettered, stored.attempts) == (False, 1)
        done = await process_request(flow, taken.state.id, attempt=3)
        assert done.outcome is Outcome.COMPLETED

    async def test_out_of_attempts_is_dead_lettered(self, flow: CustomerFlow) -> None:
        _, erp = fakes(flow)
        erp.fail_next("create_customer", *(ErpUnavailable("down") for _ in range(3)))
        taken = await submit_new_customer(flow)
        assert taken.state is not None
        await process_request(flow, taken.state.id, attempt=2)
        parked = await process_request(flow, taken.state.id, attempt=3)
        assert parked.outcome is Outcome.DEAD_LETTERED
        assert parked.state is not None
        assert parked.state.dead_lettered
        stored = await flow.store.get(taken.state.id)
        assert stored is not None
        assert stored.dead_lettered
