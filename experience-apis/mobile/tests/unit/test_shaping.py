"""Shaping for the phone: sparse fieldsets, stable bodies and entity tags."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mobile_experience.adapters.ports import ProcessCustomer, ProcessOrder
from mobile_experience.domain.accounts import CustomerViews
from mobile_experience.domain.models import SECTIONS, Rep
from mobile_experience.domain.shaping import (
    customer_result,
    entity_tag,
    order_view,
    parse_fields,
    render_view,
)
from trivium.problems import ValidationFailed

ANNA = Rep(username="anna.becker@trivium.demo")
PARTNER = "001000000000001AAA"


class TestParseFields:
    def test_absent_means_every_section(self) -> None:
        assert parse_fields(None) == SECTIONS

    def test_sections_come_in_the_views_order(self) -> None:
        assert parse_fields(" credit, account ,credit") == ("account", "credit")

    @pytest.mark.parametrize("text", ["account,passwords", "", " , "])
    def test_unknown_or_no_section_is_a_field_error(self, text: str) -> None:
        with pytest.raises(ValidationFailed) as raised:
            parse_fields(text)
        assert raised.value.errors
        assert raised.value.errors[0].pointer == "fields"


class TestRenderView:
    @pytest.mark.asyncio
    async def test_only_the_asked_sections_are_rendered(self, views: CustomerViews) -> None:
        view = await views.view(ANNA, PARTNER)
        document = json.loads(render_view(view, ("credit",)))
        assert set(document) == {"accountId", "credit"}
        assert document["credit"]["data"]["limit"] == {"amount": "50000", "currency": "EUR"}

    @pytest.mark.asyncio
    async def test_equal_views_have_equal_tags_and_sparse_ones_differ(
        self, views: CustomerViews
    ) -> None:
        view = await views.view(ANNA, PARTNER)
        again = await views.view(ANNA, PARTNER)
        full = render_view(view, SECTIONS)
        assert entity_tag(full) == entity_tag(render_view(again, SECTIONS))
        assert entity_tag(full) != entity_tag(render_view(view, ("account",)))
        assert entity_tag(full).startswith('"')


def process_order(**changes: object) -> ProcessOrder:
    now = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    fields: dict[str, object] = {
        "order_id": "01JABCDEFGHJKMNPQRSTVWXYZ0",
        "status": "completed",
        "erp_order_number": "4500001234",
        "created_at": now,
        "updated_at": now,
    }
    return ProcessOrder.model_validate({**fields, **changes})


class TestOrderView:
    def test_an_order_that_needs_attention_tells_the_rep_without_the_crms_reason(self) -> None:
        view = order_view(process_order(status="needs_attention"))
        assert (view.status, view.failure) == ("needs_attention", None)
        assert view.notice == (
            "The ERP accepted the order as 4500001234; its CRM record needs attention from the "
            "operations team. Nothing is needed from you."
        )

    @pytest.mark.parametrize("status", ["accepted", "in_erp", "completed", "failed"])
    def test_no_notice_on_other_orders(self, status: str) -> None:
        assert order_view(process_order(status=status)).notice is None


class TestCustomerResult:
    def test_a_customer_that_needs_attention_tells_the_rep_without_the_crms_reason(
        self,
    ) -> None:
        result = customer_result(
            ProcessCustomer(
                request_id="01JABCDEFGHJKMNPQRSTVWXYZ0",
                status="needs_attention",
                account_id="001000000000001AAA",
                erp_customer_number="1000042",
                account_created=True,
                erp_customer_created=True,
            )
        )
        assert result.status == "needs_attention"
        assert result.notice == (
            "The ERP created the customer as 1000042; linking it to the CRM account needs "
            "attention from the operations team. Nothing is needed from you."
        )

    def test_no_notice_on_a_completed_customer(self) -> None:
        result = customer_result(
            ProcessCustomer(request_id="01JABCDEFGHJKMNPQRSTVWXYZ0", status="completed")
        )
        assert result.notice is None
