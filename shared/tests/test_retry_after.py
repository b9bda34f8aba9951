"""A saga's next attempt after a transient failure: its schedule, stretched to the Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

from trivium.problems import CrmUnavailable, Problem, ServiceUnavailable
from trivium.retry_after import parse_retry_after, problem_retry_after, retry_delay

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class ComesBackInAMinute(ServiceUnavailable):
    slug = "comes-back-in-a-minute"
    retry_after = "60"


class TestParseRetryAfter:
    def test_delta_seconds(self) -> None:
        assert parse_retry_after("45", now=NOW) == 45.0
        assert parse_retry_after(" 0 ", now=NOW) == 0.0

    def test_an_http_date_is_the_time_until_then(self) -> None:
        assert parse_retry_after("Mon, 02 Mar 2026 09:01:30 GMT", now=NOW) == 90.0

    def test_an_http_date_already_past_asks_for_no_wait(self) -> None:
        assert parse_retry_after("Mon, 02 Mar 2026 08:00:00 GMT", now=NOW) == 0.0

    def test_anything_else_asks_for_nothing(self) -> None:
        for value in ("", "soon", "-5", "1.5", "12abc"):
            assert parse_retry_after(value, now=NOW) is None, value


class TestProblemRetryAfter:
    def test_the_header_the_problem_is_raised_with(self) -> None:
        problem = CrmUnavailable("in progress", headers={"Retry-After": "45"})
        assert problem_retry_after(problem, now=NOW) == 45.0

    def test_the_header_name_is_case_insensitive(self) -> None:
        problem = CrmUnavailable("in progress", headers={"retry-after": "7"})
        assert problem_retry_after(problem, now=NOW) == 7.0

    def test_the_class_default_is_no_known_time(self) -> None:
        guessed = ComesBackInAMinute(headers={"Retry-After": "60"})
        assert problem_retry_after(guessed, now=NOW) is None
        assert problem_retry_after(ComesBackInAMinute(), now=NOW) is None
        told = ComesBackInAMinute(headers={"Retry-After": "45"})
        assert problem_retry_after(told, now=NOW) == 45.0

    def test_none_without_either(self) -> None:
        assert problem_retry_after(CrmUnavailable("down"), now=NOW) is None
        assert problem_retry_after(Problem(headers={"Retry-After": "later"}), now=NOW) is None


class TestRetryDelay:
    def test_the_schedule_without_a_retry_after(self) -> None:
        assert retry_delay(4.0, asked=None, cap=60.0) == 4.0

    def test_a_longer_retry_after_stretches_the_wait(self) -> None:
        assert retry_delay(1.0, asked=45.0, cap=60.0) == 45.0

    def test_a_shorter_retry_after_keeps_the_schedule(self) -> None:
        assert retry_delay(16.0, asked=1.0, cap=60.0) == 16.0

    def test_the_retry_after_is_capped(self) -> None:
        assert retry_delay(1.0, asked=86_400.0, cap=60.0) == 60.0

    def test_the_cap_never_shortens_the_schedule(self) -> None:
        assert retry_delay(120.0, asked=300.0, cap=60.0) == 120.0
