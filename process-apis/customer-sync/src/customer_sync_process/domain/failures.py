"""What a failure applying one record means: try the same record again, or park it and go on.

Transient: the systems could not answer now (no answer, a transient status, the CRM or ERP
unavailable) — the same call may well succeed in a moment. Permanent: a System API refused the
record (a 4xx), or its data cannot be mapped (a value the other system cannot hold, a reference
to a record that does not exist, an answer of an unexpected shape) — sending it again changes
nothing until someone changes the record. Redis errors and a lost lead are not a record's
failures: they stop the whole loop, which starts over from its committed position.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import ValidationError

from trivium.problems import Problem, UpstreamUnavailable


class FailureKind(StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True, slots=True)
class Failure:
    """A record's failure as operators see it: its kind, a short reason, the detail and the
    HTTP status a System API answered with (if one did)."""

    kind: FailureKind
    reason: str
    detail: str
    status: int | None = None

    @property
    def transient(self) -> bool:
        return self.kind is FailureKind.TRANSIENT

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "reason": self.reason,
            "detail": self.detail,
            "status": self.status,
        }


def is_record_failure(error: BaseException) -> bool:
    """True for failures that belong to the record being applied (see the module docs): a
    problem raised by a System API client or the mapping, or data the flow cannot use."""
    return isinstance(error, Problem | ValueError | LookupError | TypeError)


def classify(error: BaseException) -> Failure:
    """The kind of a record's failure, with its reason and detail."""
    if isinstance(error, Problem):
        transient = isinstance(error, UpstreamUnavailable)
        reason = error.extensions.get("upstreamType") or error.slug
        status = error.extensions.get("upstreamStatus")
        return Failure(
            FailureKind.TRANSIENT if transient else FailureKind.PERMANENT,
            str(reason),
            _with_field_errors(error),
            status if isinstance(status, int) else None,
        )
    if isinstance(error, ValidationError):
        return Failure(FailureKind.PERMANENT, "unmappable-value", _first_line(error))
    return Failure(
        FailureKind.PERMANENT,
        "unmappable-value" if isinstance(error, ValueError) else "invalid-record",
        _first_line(error) or type(error).__name__,
    )


def _with_field_errors(problem: Problem) -> str:
    """The problem's detail, followed by the fields the System API named and what is wrong
    with each (`/phone: too long`)."""
    detail = problem.detail or problem.title
    named = "; ".join(f"{e.pointer}: {e.detail}" for e in problem.errors or ())
    return f"{detail} ({named})" if named else detail


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:500] if text else ""
