"""Which failures of a record are tried again, and which park it."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError

from customer_sync_process.domain.errors import CustomerOfAnotherAccount, PositionUnavailable
from customer_sync_process.domain.failures import FailureKind, classify, is_record_failure
from trivium.locks import LeaseLost
from trivium.problems import CrmRejected, CrmUnavailable, ErpRejected, ErpUnavailable, FieldError


class _Amount(BaseModel):
    amount: int


def _validation_error() -> ValidationError:
    try:
        _Amount.model_validate({"amount": "lots"})
    except ValidationError as error:
        return error
    raise AssertionError("the value validated")


class TestClassify:
    @pytest.mark.parametrize(
        "error",
        [
            ErpUnavailable("ERP customer read: no answer (ConnectError)."),
            CrmUnavailable("CRM account update: busy", upstreamStatus=503),
            ErpUnavailable("ERP customer update: too many", upstreamStatus=429),
        ],
    )
    def test_systems_that_cannot_answer_now_are_transient(self, error: Exception) -> None:
        assert classify(error).kind is FailureKind.TRANSIENT

    def test_a_refusal_is_permanent_with_the_system_apis_status_and_type(self) -> None:
        error = ErpRejected(
            "ERP customer read: One or more fields are invalid",
            upstreamStatus=400,
            upstreamType="validation-failed",
        )

        failure = classify(error)

        assert failure.kind is FailureKind.PERMANENT
        assert (failure.reason, failure.status) == ("validation-failed", 400)
        assert failure.detail == "ERP customer read: One or more fields are invalid"

    def test_a_crm_refusal_without_a_type_is_named_by_its_own_problem(self) -> None:
        failure = classify(CrmRejected("CRM account update: Bad Request", upstreamStatus=400))

        assert (failure.kind, failure.reason) == (FailureKind.PERMANENT, "crm-rejected")

    def test_a_record_naming_another_accounts_customer_is_permanent(self) -> None:
        failure = classify(CustomerOfAnotherAccount("customer 1000001 belongs to 001..."))

        assert (failure.kind, failure.reason, failure.status) == (
            FailureKind.PERMANENT,
            "customer-of-another-account",
            None,
        )

    def test_the_fields_a_system_api_refused_are_named_in_the_detail(self) -> None:
        error = ErpRejected(
            "ERP customer update: One or more fields are invalid",
            upstreamStatus=422,
            errors=[FieldError(pointer="/phone", detail="at most 30 characters")],
        )

        assert classify(error).detail == (
            "ERP customer update: One or more fields are invalid (/phone: at most 30 characters)"
        )

    def test_values_that_cannot_be_mapped_are_permanent(self) -> None:
        assert classify(ValueError("not a website: ::")).reason == "unmappable-value"
        assert classify(_validation_error()).reason == "unmappable-value"
        assert classify(KeyError("street")).kind is FailureKind.PERMANENT


class TestWhoseFailure:
    @pytest.mark.parametrize(
        "error",
        [
            ErpRejected("refused"),
            ErpUnavailable("no answer"),
            ValueError("bad"),
            KeyError("x"),
            TypeError("y"),
        ],
    )
    def test_system_api_problems_and_bad_data_belong_to_the_record(self, error: Exception) -> None:
        assert is_record_failure(error)

    @pytest.mark.parametrize(
        "error",
        [
            RedisConnectionError("Connection refused"),
            LeaseLost("fence 3 is no longer current"),
            PositionUnavailable("42"),
            OSError("network down"),
        ],
    )
    def test_redis_a_lost_lead_and_a_lost_position_stop_the_loop_instead(
        self, error: Exception
    ) -> None:
        assert not is_record_failure(error)
