"""Customers the ERP holds and the CRM refuses to link: `needs_attention`, the operators' list
and retry, and which CRM failures count as a refusal."""

from __future__ import annotations

import pytest

from create_customer_process.domain.crm_write import is_refused_by_crm
from create_customer_process.domain.errors import RequestNotFound, RequestNotNeedingAttention
from create_customer_process.domain.models import (
    OperatorAction,
    RequestStatus,
    SagaStep,
)
from create_customer_process.domain.processing import (
    Outcome,
    process_request,
    retry_crm_link,
)
from create_customer_process.domain.saga import CustomerFlow
from trivium.problems import CrmRejected, CrmUnavailable

from .conftest import event_types, fakes, submit_new_customer


def deleted() -> CrmRejected:
    return CrmRejected(
        "CRM account link: The account does not exist.",
        upstreamStatus=404,
        upstreamType="record-not-found",
    )


class TestIsRefusedByCrm:
    def test_a_deleted_account_is_a_refusal(self) -> None:
        assert is_refused_by_crm(deleted())

    def test_a_validation_rule_is_a_refusal(self) -> None:
        assert is_refused_by_crm(CrmRejected("rule", upstreamStatus=422))

    def test_an_unavailable_crm_is_not(self) -> None:
        assert not is_refused_by_crm(CrmUnavailable("down", upstreamStatus=503))

    def test_our_own_credentials_refused_are_not(self) -> None:
        assert not is_refused_by_crm(CrmRejected("no", upstreamStatus=401))
        assert not is_refused_by_crm(CrmRejected("no", upstreamStatus=403))

    def test_an_answer_of_an_unexpected_shape_is_not(self) -> None:
        assert not is_refused_by_crm(CrmRejected("odd answer"))


class TestRefusedLink:
    @pytest.mark.asyncio
    async def test_the_request_needs_attention_and_nothing_is_undone(
        self, flow: CustomerFlow
    ) -> None:
        crm, erp = fakes(flow)
        crm.fail_next("link_account", deleted())
        processed = await submit_new_customer(flow)
        assert processed.outcome is Outcome.NEEDS_ATTENTION
        state = await flow.store.get(processed.state.id)  # type: ignore[union-attr]
        assert state is not None
        assert (state.status, state.dead_lettered, state.compensated) == (
            RequestStatus.NEEDS_ATTENTION,
            False,
            False,
        )
        [customer] = erp.customers.values()
        [account] = crm.accounts.values()
        assert state.attention is not None
        assert (state.attention.erp_customer_number, state.attention.account_id) == (
            customer.id,
            account.id,
        )
        assert state.attention.actions == [OperatorAction.RETRY_CRM]
        assert f"/customers/requests/{state.id}/retry-crm" in state.attention.detail
        assert event_types(flow) == []
        listed, _ = await flow.store.list_needing_attention(limit=10, after=None)
        assert [request.id for request in listed] == [state.id]

    @pytest.mark.asyncio
    async def test_a_worker_skips_it(self, flow: CustomerFlow) -> None:
        crm, _ = fakes(flow)
        crm.fail_next("link_account", deleted())
        first = await submit_new_customer(flow)
        again = await process_request(flow, first.state.id, attempt=1)  # type: ignore[union-attr]
        assert again.outcome is Outcome.SKIPPED


class TestRetryCrmLink:
    @pytest.mark.asyncio
    async def test_a_retry_after_the_fix_links_the_records_once(self, flow: CustomerFlow) -> None:
        crm, erp = fakes(flow)
        crm.fail_next("link_account", deleted())
        first = await submit_new_customer(flow)
        request_id = first.state.id  # type: ignore[union-attr]
        processed = await retry_crm_link(flow, request_id)
        assert processed.outcome is Outcome.COMPLETED
        state = processed.state
        assert state is not None
        assert (state.status, state.attention) == (RequestStatus.COMPLETED, None)
        [customer] = erp.customers.values()
        [account] = crm.accounts.values()
        assert account.erp_customer_number == customer.id
        assert erp.calls["create_customer"] == 1
        assert event_types(flow) == ["customer.created"]
        assert (await flow.store.list_needing_attention(limit=10, after=None))[0] == []

    @pytest.mark.asyncio
    async def test_a_retry_refused_again_needs_attention_again(self, flow: CustomerFlow) -> None:
        crm, _ = fakes(flow)
        crm.fail_next("link_account", deleted(), deleted())
        first = await submit_new_customer(flow)
        processed = await retry_crm_link(flow, first.state.id)  # type: ignore[union-attr]
        assert processed.outcome is Outcome.NEEDS_ATTENTION
        assert processed.state is not None
        assert processed.state.step is SagaStep.NEEDS_ATTENTION

    @pytest.mark.asyncio
    async def test_a_request_that_does_not_need_attention_is_a_conflict(
        self, flow: CustomerFlow
    ) -> None:
        done = await submit_new_customer(flow)
        with pytest.raises(RequestNotNeedingAttention):
            await retry_crm_link(flow, done.state.id)  # type: ignore[union-attr]

    @pytest.mark.asyncio
    async def test_an_unknown_request_is_not_found(self, flow: CustomerFlow) -> None:
        with pytest.raises(RequestNotFound):
            await retry_crm_link(flow, "01J00000000000000000000000")
