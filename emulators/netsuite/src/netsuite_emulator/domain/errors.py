"""NetSuite's errors: an HTTP status and `o:errorDetails` entries of code, detail and path."""

from __future__ import annotations

from typing import Any

TYPES = {
    400: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
    401: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2",
    403: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.4",
    404: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.5",
    405: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.6",
    415: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.16",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    500: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.1",
    503: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.4",
}
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)


class NetSuiteError(Exception):
    """An answer NetSuite gives with its error body."""

    def __init__(self, status: int, code: str, detail: str, *, path: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.path = path

    def body(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"detail": self.detail, "o:errorCode": self.code}
        if self.path is not None:
            entry["o:errorPath"] = self.path
        return {
            "type": TYPES.get(self.status, TYPES[400]),
            "title": TITLES.get(self.status, "Error"),
            "status": self.status,
            "o:errorDetails": [entry],
        }


def invalid_login() -> NetSuiteError:
    return NetSuiteError(401, "INVALID_LOGIN", INVALID_LOGIN_DETAIL)


def invalid_content(detail: str, *, path: str | None = None) -> NetSuiteError:
    return NetSuiteError(400, "INVALID_CONTENT", detail, path=path)


def user_error(detail: str, *, path: str | None = None) -> NetSuiteError:
    return NetSuiteError(400, "USER_ERROR", detail, path=path)


def nonexistent_id(record_type: str, record_id: str) -> NetSuiteError:
    return NetSuiteError(
        404,
        "NONEXISTENT_ID",
        f"The record instance does not exist. Provide a valid record instance ID "
        f"({record_type} {record_id}).",
    )


def invalid_query(detail: str) -> NetSuiteError:
    """SuiteQL that cannot be parsed or names what does not exist."""
    return NetSuiteError(
        400,
        "INVALID_PARAMETER",
        "Invalid search query. Detailed unprocessed description follows. " + detail,
    )


def duplicate_external_id(external_id: str) -> NetSuiteError:
    return NetSuiteError(
        400,
        "DUP_RCRD",
        f"A record with external ID '{external_id}' already exists.",
        path="externalId",
    )


def dependent_records() -> NetSuiteError:
    return NetSuiteError(
        400, "USER_ERROR", "This record cannot be deleted because it has dependent records."
    )
