"""Which CRM write failures are retried, corrected or handed to an operator, and the correction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from quote_to_order_process.adapters.ports import CrmOrderDraft, CrmOrderItemDraft
from quote_to_order_process.domain.crm_write import (
    CrmWriteFailure,
    classify_crm_failure,
    correctable_fields,
    without_fields,
)
from quote_to_order_process.domain.errors import CrmUnavailable
from trivium.problems import CrmRejected, FieldError


def draft(**changes: Any) -> CrmOrderDraft:
    fields: dict[str, Any] = {
        "account_id": "001000000000001AAA",
        "effective_date": date(2026, 6, 1),
        "erp_order_number": "4500001234",
        "items": [CrmOrderItemDraft(sku="MAT-0001", quantity=Decimal(2), unit_price=Decimal(45))],
        "quote_id": "0Q0000000000001CAA",
        "opportunity_id": "006000000000001AAA",
        "quote_status": "Ordered",
        "opportunity_stage": "Closed Won",
    }
    return CrmOrderDraft(**{**fields, **changes})


def refused(*pointers: str, status: int = 422) -> CrmRejected:
    return CrmRejected(
        "CRM order creation: refused",
        errors=[FieldError(pointer=pointer, detail="refused") for pointer in pointers],
        upstreamStatus=status,
        upstreamType="record-rejected",
    )


class TestClassifyCrmFailure:
    def test_an_unavailable_crm_is_transient(self) -> None:
        failure = CrmUnavailable("down", upstreamStatus=503)
        assert classify_crm_failure(failure) is CrmWriteFailure.TRANSIENT

    def test_a_validation_refusal_is_refused(self) -> None:
        assert classify_crm_failure(refused("/accountId")) is CrmWriteFailure.REFUSED

    def test_a_deleted_record_is_refused(self) -> None:
        gone = CrmRejected("gone", upstreamStatus=404, upstreamType="record-not-found")
        assert classify_crm_failure(gone) is CrmWriteFailure.REFUSED

    def test_a_conflict_is_refused(self) -> None:
        locked = CrmRejected("locked", upstreamStatus=409, upstreamType="record-conflict")
        assert classify_crm_failure(locked) is CrmWriteFailure.REFUSED

    def test_our_own_credentials_refused_are_not_the_orders_fault(self) -> None:
        for status in (401, 403):
            failure = CrmRejected("no", upstreamStatus=status)
            assert classify_crm_failure(failure) is CrmWriteFailure.UNKNOWN

    def test_an_answer_of_an_unexpected_shape_is_unknown(self) -> None:
        # The write may have happened: nothing may be written again under another key.
        failure = CrmRejected("CRM order creation: the answer does not have the expected shape")
        assert classify_crm_failure(failure) is CrmWriteFailure.UNKNOWN

    def test_an_unexpected_server_error_is_unknown(self) -> None:
        assert classify_crm_failure(CrmRejected("odd", upstreamStatus=501)) is (
            CrmWriteFailure.UNKNOWN
        )


class TestCorrectableFields:
    def test_a_refused_quote_status_is_left_out(self) -> None:
        assert correctable_fields(draft(), refused("/status")) == ["quoteStatus"]

    def test_a_refused_status_without_a_quote_status_sent_is_not_correctable(self) -> None:
        assert correctable_fields(draft(quote_status=None), refused("/status")) is None

    def test_a_refused_purchase_order_number_is_left_out(self) -> None:
        order = draft(purchase_order_number="PO-" + "9" * 32)
        assert correctable_fields(order, refused("/purchaseOrderNumber")) == ["purchaseOrderNumber"]

    def test_a_refused_opportunity_takes_its_stage_along(self) -> None:
        assert correctable_fields(draft(), refused("/opportunityId")) == [
            "opportunityId",
            "opportunityStage",
        ]

    def test_a_refused_quote_takes_its_status_along(self) -> None:
        assert correctable_fields(draft(), refused("/quoteId")) == ["quoteId", "quoteStatus"]

    def test_a_required_field_among_the_refused_is_not_correctable(self) -> None:
        assert correctable_fields(draft(), refused("/status", "/accountId")) is None

    def test_the_items_are_not_correctable(self) -> None:
        assert correctable_fields(draft(), refused("/items/sku")) is None

    def test_a_refusal_that_names_no_field_is_not_correctable(self) -> None:
        assert correctable_fields(draft(), refused()) is None
        assert correctable_fields(draft(), refused("/")) is None

    def test_a_field_not_sent_is_nothing_to_leave_out(self) -> None:
        assert (
            correctable_fields(draft(purchase_order_number=None), refused("/purchaseOrderNumber"))
            is None
        )


class TestWithoutFields:
    def test_the_named_fields_are_left_out_and_the_rest_kept(self) -> None:
        corrected = without_fields(draft(purchase_order_number="PO-1"), ["quoteStatus"])
        assert corrected.quote_status is None
        assert (corrected.quote_id, corrected.purchase_order_number) == (
            "0Q0000000000001CAA",
            "PO-1",
        )
        assert corrected.erp_order_number == "4500001234"

    def test_nothing_to_leave_out_keeps_the_draft(self) -> None:
        assert without_fields(draft(), []) == draft()
