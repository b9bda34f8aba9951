"""A raised problem is recorded with its RFC 9457 members, in the service's own record type."""

from __future__ import annotations

from trivium.problems import Conflict, FieldError, RecordedProblem


class OrderError(RecordedProblem):
    """A problem as recorded on an order."""


class TestRecordedProblem:
    def test_a_problem_is_recorded_with_its_members(self) -> None:
        problem = Conflict("The order is busy.", errors=[FieldError(pointer="/id", detail="busy")])
        recorded = OrderError.from_problem(problem)
        assert isinstance(recorded, OrderError)
        assert recorded.model_dump(by_alias=True) == {
            "type": problem.type_uri(),
            "title": problem.title,
            "status": 409,
            "detail": "The order is busy.",
            "errors": [{"pointer": "/id", "detail": "busy"}],
        }
