"""RFC 9457 problem details: the one error shape every Trivium service answers with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field

from trivium.schemas import ApiModel

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE_URI = "https://trivium.dev/problems/"


class FieldError(BaseModel):
    """One problem with one field of a request."""

    model_config = ConfigDict(frozen=True)

    pointer: str = Field(description="JSON Pointer (RFC 6901) or parameter name of the field.")
    detail: str


class ProblemDocument(BaseModel):
    """The body of an `application/problem+json` response, as documented in OpenAPI."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    correlation_id: str | None = Field(default=None, alias="correlationId")
    errors: list[FieldError] | None = None


class Problem(Exception):
    """A failure a client can be told about; subclasses fix `slug`, `title` and `status`."""

    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"
    status: ClassVar[int] = 500
    # For a "try again later" problem: the `Retry-After` it is sent with when nothing more precise
    # is known (None: none); `trivium.upstream.Upstream` adds it.
    retry_after: ClassVar[str | None] = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})
        self.extensions = extensions

    @classmethod
    def type_uri(cls) -> str:
        """The stable `type` URI that identifies this kind of problem."""
        return PROBLEM_BASE_URI + cls.slug

    def to_document(self, *, instance: str | None, correlation_id: str | None) -> dict[str, Any]:
        """Render the problem as a JSON-ready RFC 9457 body."""
        return problem_document(
            type_uri=self.type_uri(),
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            correlation_id=correlation_id,
            errors=self.errors,
            extensions=self.extensions,
        )


def problem_document(
    *,
    type_uri: str,
    title: str,
    status: int,
    detail: str | None,
    instance: str | None,
    correlation_id: str | None,
    errors: Sequence[FieldError] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build an RFC 9457 body, leaving out members that have no value."""
    body: dict[str, Any] = dict(extensions or {})
    body.update(type=type_uri, title=title, status=status)
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if correlation_id:
        body["correlationId"] = correlation_id
    if errors:
        body["errors"] = [error.model_dump() for error in errors]
    return body


class BadRequest(Problem):
    slug = "bad-request"
    title = "The request is malformed"
    status = 400


class Unauthorized(Problem):
    slug = "unauthorized"
    title = "Authentication is required"
    status = 401


class Forbidden(Problem):
    slug = "forbidden"
    title = "Not allowed"
    status = 403


class NotFound(Problem):
    slug = "not-found"
    title = "Not found"
    status = 404


class MethodNotAllowed(Problem):
    slug = "method-not-allowed"
    title = "Method not allowed"
    status = 405


class Conflict(Problem):
    slug = "conflict"
    title = "Conflict with the current state"
    status = 409


class PayloadTooLarge(Problem):
    slug = "payload-too-large"
    title = "The request body is too large"
    status = 413


class UnsupportedMediaType(Problem):
    slug = "unsupported-media-type"
    title = "Unsupported media type"
    status = 415


class ValidationFailed(Problem):
    slug = "validation-failed"
    title = "The request is not valid"
    status = 422


class TooManyRequests(Problem):
    slug = "too-many-requests"
    title = "Too many requests"
    status = 429


class BadGateway(Problem):
    slug = "bad-gateway"
    title = "An upstream system answered with an error"
    status = 502


class ServiceUnavailable(Problem):
    slug = "service-unavailable"
    title = "Temporarily unavailable"
    status = 503


class GatewayTimeout(Problem):
    slug = "gateway-timeout"
    title = "An upstream system did not answer in time"
    status = 504


class OperatorRoleRequired(Problem):
    slug = "operator-role-required"
    title = "This operation needs the operator role"
    status = 403


# The families a service that calls lower tiers translates their answers into (see
# `trivium.upstream.Upstream`): the slugs mean the same in every service, so clients and the
# services above can act on them without knowing which one said it.


class UpstreamUnavailable(Problem):
    """Base of the transient failures: a system this service needs could not answer now."""

    slug = "upstream-unavailable"
    title = "A system this request needs is unavailable"
    status = 503


class CrmUnavailable(UpstreamUnavailable):
    slug = "crm-unavailable"
    title = "The CRM is unavailable"


class ErpUnavailable(UpstreamUnavailable):
    slug = "erp-unavailable"
    title = "The ERP is unavailable"


class UpstreamRejected(Problem):
    """Base of the permanent failures: a system refused a call that should have succeeded."""

    slug = "upstream-rejected"
    title = "A system refused a change this request needs"
    status = 502


class CrmRejected(UpstreamRejected):
    slug = "crm-rejected"
    title = "The CRM refused a change"


class ErpRejected(UpstreamRejected):
    slug = "erp-rejected"
    title = "The ERP refused a change"


STATUS_PROBLEMS: dict[int, type[Problem]] = {
    problem.status: problem
    for problem in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        ValidationFailed,
        TooManyRequests,
        BadGateway,
        ServiceUnavailable,
        GatewayTimeout,
    )
}


def problem_for_status(status: int) -> type[Problem]:
    """The generic problem class for an HTTP status (500 for anything unlisted)."""
    return STATUS_PROBLEMS.get(status, Problem)


def problem_responses(*problems: type[Problem]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting the problems a route can answer with."""
    responses: dict[int | str, dict[str, Any]] = {}
    documented: tuple[type[Problem], ...] = (*problems, ValidationFailed)
    for problem in documented:
        entry = responses.setdefault(
            problem.status,
            {
                "description": problem.title,
                "model": ProblemDocument,
                "content": {PROBLEM_CONTENT_TYPE: {}},
            },
        )
        if entry["description"] != problem.title:
            entry["description"] = f"{entry['description']}; {problem.title}"
    return responses


class RecordedProblem(ApiModel):
    """A raised problem as a saga records it on its state (RFC 9457 members); each service
    subclasses it to document where."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None

    @classmethod
    def from_problem(cls, problem: Problem) -> Self:
        """The recorded form of a raised problem."""
        return cls(
            type=problem.type_uri(),
            title=problem.title,
            status=problem.status,
            detail=problem.detail,
            errors=problem.errors,
        )
