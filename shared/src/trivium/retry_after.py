"""When a saga tries a transient failure again: its own retry schedule, stretched to the failure's
`Retry-After`.

A lower tier that says when trying again can succeed (an Idempotency-Key still claimed by a
process that died, until its lease runs out; an open circuit breaker, until it closes) is not
asked again before then: an attempt made sooner fails the same way and only spends the retry
budget, so that work which would have gone through is dead-lettered. The wait asked for is capped,
so that a lower tier cannot park the work for longer than its own schedule would.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

from trivium.problems import Problem

RETRY_AFTER_HEADER = "Retry-After"


def parse_retry_after(value: str, *, now: datetime) -> float | None:
    """The seconds a `Retry-After` value asks for (delta-seconds or an HTTP date), None when
    it is neither."""
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # an RFC 850 or asctime date: GMT by definition
        moment = moment.replace(tzinfo=UTC)
    return max((moment - now).total_seconds(), 0.0)


def problem_retry_after(problem: Problem, *, now: datetime) -> float | None:
    """The seconds `problem`'s `Retry-After` header asks for; None without one, with an
    unreadable one, or with its class's default `retry_after`, which `Upstream` sends when the
    lower tier said nothing: a guess for this service's callers, not a time anyone knows."""
    given = next(
        (text for name, text in problem.headers.items() if name.lower() == "retry-after"), None
    )
    if given is None or given == problem.retry_after:
        return None
    return parse_retry_after(given, now=now)


def retry_delay(scheduled: float, *, asked: float | None, cap: float) -> float:
    """Seconds before the next attempt: the `scheduled` delay of the retry schedule, or the
    `asked` one (a `Retry-After`) when that is longer, but no more than `cap`."""
    if asked is None:
        return scheduled
    return max(scheduled, min(asked, cap))
