"""A lower tier's answers turned into the caller's problems, over an in-memory transport."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from trivium.circuit_breaker import CircuitOpenError
from trivium.problems import PROBLEM_BASE_URI, FieldError, Problem
from trivium.upstream import (
    SAFE_TO_RESEND,
    Upstream,
    field_errors,
    problem_body,
    problem_slug,
    translate,
)


class LedgerUnavailable(Problem):
    slug = "ledger-unavailable"
    title = "The ledger is unavailable"
    status = 503


class LedgerRejected(Problem):
    slug = "ledger-rejected"
    title = "The ledger refused the change"
    status = 502


class EntryRejected(Problem):
    slug = "entry-rejected"
    title = "The entry was rejected"
    status = 422


class Entry(BaseModel):
    id: str
    amount: int


Handler = Callable[[httpx.Request], httpx.Response]


def problem(slug: str, status: int, **members: Any) -> dict[str, Any]:
    return {"type": PROBLEM_BASE_URI + slug, "title": slug, "status": status, **members}


def answer(status: int, body: Any = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def ledger(handler: Handler, *, retry_after: str | None = None) -> Upstream:
    http = httpx.AsyncClient(base_url="http://ledger.test", transport=httpx.MockTransport(handler))
    return Upstream(
        http,
        name="Ledger",
        unavailable=LedgerUnavailable,
        rejected=LedgerRejected,
        retry_after=retry_after,
    )


def raising(error: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return handler


class TestProblemBody:
    def test_an_object_is_returned_as_it_stands(self) -> None:
        assert problem_body(answer(404, {"type": "x"})) == {"type": "x"}

    @pytest.mark.parametrize("body", [None, [1, 2], "text"])
    def test_anything_else_is_empty(self, body: Any) -> None:
        assert problem_body(answer(500, body)) == {}

    def test_a_body_that_is_not_json_is_empty(self) -> None:
        assert problem_body(httpx.Response(502, text="<html>Bad gateway</html>")) == {}


class TestProblemSlug:
    def test_the_last_segment_of_the_type_of_an_answer(self) -> None:
        assert problem_slug(answer(404, problem("record-not-found", 404))) == "record-not-found"

    def test_the_last_segment_of_a_parsed_body(self) -> None:
        assert problem_slug({"type": "https://example.org/probs/out-of-credit"}) == "out-of-credit"

    @pytest.mark.parametrize("body", [{}, {"type": 7}, {"title": "Not found"}])
    def test_none_without_a_type(self, body: dict[str, Any]) -> None:
        assert problem_slug(body) is None


class TestFieldErrors:
    def test_entries_become_field_errors(self) -> None:
        body = {"errors": [{"pointer": "/amount", "detail": "must be positive"}]}
        assert field_errors(body) == [FieldError(pointer="/amount", detail="must be positive")]

    def test_entries_that_are_not_objects_are_skipped(self) -> None:
        assert field_errors({"errors": ["amount", {"pointer": "/id"}]}) == [
            FieldError(pointer="/id", detail="")
        ]

    def test_no_list_is_no_errors(self) -> None:
        assert field_errors({"errors": "amount is wrong"}) == []


class TestTranslate:
    def test_detail_errors_and_extension_members_are_kept(self) -> None:
        body = problem(
            "credit-limit-exceeded",
            422,
            detail="Credit limit exceeded by 10.00 EUR.",
            orderId="ORD-1",
            instance="/orders",
            correlationId="abc",
            errors=[{"pointer": "/lines/0", "detail": "too much"}],
        )
        translated = translate(EntryRejected, answer(422, body), fallback="Refused.")
        assert isinstance(translated, EntryRejected)
        assert translated.detail == "Credit limit exceeded by 10.00 EUR."
        assert translated.errors == [FieldError(pointer="/lines/0", detail="too much")]
        assert translated.extensions == {"orderId": "ORD-1", "reason": "credit-limit-exceeded"}

    def test_an_answer_without_a_problem_gets_the_fallback_and_its_own_reason(self) -> None:
        translated = translate(EntryRejected, answer(422, None), fallback="Refused.")
        assert translated.detail == "Refused."
        assert translated.errors is None
        assert translated.extensions == {"reason": "entry-rejected"}


@pytest.mark.asyncio
class TestCall:
    async def test_the_answer_is_returned_whatever_its_status(self) -> None:
        api = ledger(lambda request: answer(404, problem("entry-not-found", 404)))
        response = await api.call("GET", "/entries/1", what="entry read")
        assert response.status_code == 404

    async def test_params_json_headers_and_extensions_are_sent(self) -> None:
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return answer(200, {"id": "1", "amount": 5})

        await ledger(handler).call(
            "POST",
            "/entries",
            what="entry creation",
            params={"dryRun": "true"},
            json={"amount": 5},
            headers={"Idempotency-Key": "k-1"},
            extensions=SAFE_TO_RESEND,
        )
        [request] = seen
        assert request.url.params["dryRun"] == "true"
        assert request.content == b'{"amount":5}'
        assert request.headers["idempotency-key"] == "k-1"
        assert request.extensions["trivium.idempotent"] is True

    async def test_no_answer_is_unavailable(self) -> None:
        api = ledger(raising(httpx.ConnectError("refused")))
        with pytest.raises(LedgerUnavailable) as raised:
            await api.call("GET", "/entries", what="entry list")
        assert raised.value.detail == "Ledger entry list: no answer (ConnectError)."
        assert raised.value.headers == {}

    async def test_no_answer_carries_the_default_retry_after(self) -> None:
        api = ledger(raising(httpx.ReadTimeout("slow")), retry_after="5")
        with pytest.raises(LedgerUnavailable) as raised:
            await api.call("GET", "/entries", what="entry list")
        assert raised.value.headers == {"Retry-After": "5"}

    async def test_an_open_breaker_says_when_to_try_again(self) -> None:
        api = ledger(raising(CircuitOpenError("ledger", retry_after=7.2)), retry_after="2")
        with pytest.raises(LedgerUnavailable) as raised:
            await api.call("GET", "/entries", what="entry list")
        assert raised.value.headers == {"Retry-After": "8"}


class TestIsProblem:
    def test_status_and_slug_both_match(self) -> None:
        api = ledger(lambda request: answer(200))
        response = answer(404, problem("entry-not-found", 404))
        assert api.is_problem(response, 404, "entry-not-found")
        assert not api.is_problem(response, 410, "entry-not-found")
        assert not api.is_problem(response, 404, "ledger-not-found")


class TestFail:
    @pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
    def test_a_transient_status_is_unavailable(self, status: int) -> None:
        api = ledger(lambda request: answer(200))
        with pytest.raises(LedgerUnavailable) as raised:
            api.fail(answer(status, problem("ledger-busy", status)), what="entry creation")
        assert raised.value.extensions == {"upstreamStatus": status, "upstreamType": "ledger-busy"}

    def test_the_lower_tiers_retry_after_is_passed_on(self) -> None:
        api = ledger(lambda request: answer(200), retry_after="2")
        with pytest.raises(LedgerUnavailable) as raised:
            api.fail(answer(503, None, **{"Retry-After": "30"}), what="entry creation")
        assert raised.value.headers == {"Retry-After": "30"}

    def test_without_one_the_default_retry_after_is_sent(self) -> None:
        api = ledger(lambda request: answer(200), retry_after="2")
        with pytest.raises(LedgerUnavailable) as raised:
            api.fail(answer(503, None), what="entry creation")
        assert raised.value.headers == {"Retry-After": "2"}

    @pytest.mark.parametrize("slug", ["creation-in-progress", "idempotency-request-in-progress"])
    def test_a_conflict_with_work_in_progress_is_unavailable(self, slug: str) -> None:
        api = ledger(lambda request: answer(200))
        response = answer(409, problem(slug, 409), **{"Retry-After": "1"})
        with pytest.raises(LedgerUnavailable) as raised:
            api.fail(response, what="entry creation")
        assert raised.value.headers == {"Retry-After": "1"}

    def test_another_conflict_is_rejected(self) -> None:
        api = ledger(lambda request: answer(200))
        with pytest.raises(LedgerRejected):
            api.fail(answer(409, problem("entry-exists", 409)), what="entry creation")

    def test_a_refusal_is_rejected_with_its_detail_and_field_errors(self) -> None:
        api = ledger(lambda request: answer(200), retry_after="2")
        body = problem(
            "record-rejected",
            422,
            detail="The amount must be positive.",
            errors=[{"pointer": "/amount", "detail": "must be positive"}],
        )
        with pytest.raises(LedgerRejected) as raised:
            api.fail(answer(422, body), what="entry creation")
        assert raised.value.detail == "Ledger entry creation: The amount must be positive."
        assert raised.value.errors == [FieldError(pointer="/amount", detail="must be positive")]
        assert raised.value.extensions == {"upstreamStatus": 422, "upstreamType": "record-rejected"}
        assert raised.value.headers == {}

    def test_a_refusal_without_a_problem_names_the_status(self) -> None:
        api = ledger(lambda request: answer(200))
        with pytest.raises(LedgerRejected) as raised:
            api.fail(httpx.Response(401), what="entry read")
        assert raised.value.detail == "Ledger entry read: Unauthorized"
        assert raised.value.extensions == {"upstreamStatus": 401, "upstreamType": None}


class TestRaiseUnlessOk:
    def test_a_success_passes(self) -> None:
        ledger(lambda request: answer(200)).raise_unless_ok(answer(204), what="entry deletion")

    def test_an_error_answer_fails(self) -> None:
        with pytest.raises(LedgerRejected):
            ledger(lambda request: answer(200)).raise_unless_ok(answer(400), what="entry deletion")


class TestRead:
    def test_a_successful_answer_is_the_model(self) -> None:
        api = ledger(lambda request: answer(200))
        entry = api.read(answer(201, {"id": "1", "amount": 5}), Entry, what="entry creation")
        assert entry == Entry(id="1", amount=5)

    def test_an_answer_of_another_shape_is_rejected(self) -> None:
        api = ledger(lambda request: answer(200))
        with pytest.raises(LedgerRejected) as raised:
            api.read(answer(200, {"id": "1"}), Entry, what="entry read")
        assert raised.value.detail == (
            "Ledger entry read: the answer does not have the expected shape (1 errors)."
        )

    def test_an_error_answer_fails_before_it_is_read(self) -> None:
        api = ledger(lambda request: answer(200))
        with pytest.raises(LedgerUnavailable):
            api.read(answer(503, None), Entry, what="entry read")
