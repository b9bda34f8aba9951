"""The state of one proxied request while plugins work on it (Kong's `ngx.ctx` and friends)."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from trivium_gateway.entities import Consumer, Credential, Route, Service
from trivium_gateway.headers import Headers

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

# The messages Kong's `kong.response.error` uses when a plugin gives none.
DEFAULT_ERROR_MESSAGES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    411: "Length required",
    413: "Request size limit exceeded",
    429: "API rate limit exceeded",
    500: "An unexpected error occurred",
    502: "An invalid response was received from the upstream server",
    503: "Service unavailable",
    504: "The upstream server is timing out",
}

# Headers Kong's auth plugins set on the upstream request for the authenticated consumer.
CONSUMER_ID = "X-Consumer-ID"
CONSUMER_CUSTOM_ID = "X-Consumer-Custom-ID"
CONSUMER_USERNAME = "X-Consumer-Username"
CONSUMER_GROUPS = "X-Consumer-Groups"
CREDENTIAL_IDENTIFIER = "X-Credential-Identifier"
ANONYMOUS = "X-Anonymous-Consumer"


@dataclass(slots=True)
class ExitResponse:
    """A response a plugin produced instead of proxying (Kong's `kong.response.exit`)."""

    status: int
    body: bytes
    headers: Headers


async def _no_body(limit: int) -> bytes | None:
    return b""


@dataclass(slots=True, eq=False, kw_only=True)
class RequestContext:
    """Everything plugins read and change about one request, and what the upstream will get."""

    method: str
    scheme: str
    host: str
    port: int
    path: str
    raw_path: str
    query: str
    headers: Headers
    client_ip: str
    client_port: int
    route: Route
    service: Service
    request_id: str
    # What the upstream will get; plugins change it (starts as the client's request).
    upstream_method: str = field(init=False)
    upstream_path: str = field(init=False)
    upstream_query: str = field(init=False)
    upstream_headers: Headers = field(init=False, default_factory=Headers)
    consumer: Consumer | None = field(init=False, default=None)
    credential: Credential | None = field(init=False, default=None)
    response_ops: list[tuple[str, str, str | None]] = field(init=False, default_factory=list)
    exit: ExitResponse | None = field(init=False, default=None)
    # What the log phase reads (Kong's `kong.response.get_status` / `get_source`).
    response_status: int = field(init=False, default=0)
    response_source: str = field(init=False, default="error")
    shared: dict[str, Any] = field(init=False, default_factory=dict)
    plugin_data: dict[str, dict[str, Any]] = field(init=False, default_factory=dict)
    body: bytes | None = field(init=False, default=None)
    started: float = field(init=False, default_factory=time.perf_counter)
    pdk_calls: int = field(init=False, default=0)
    read_body: Callable[[int], Awaitable[bytes | None]] = field(init=False, default=_no_body)

    def __post_init__(self) -> None:
        self.upstream_method = self.method
        self.upstream_path = self.raw_path
        self.upstream_query = self.query

    def authenticate(self, consumer: Consumer | None, credential: Credential | None) -> None:
        """Record who the request is from and tell the upstream, as Kong's auth plugins do."""
        self.consumer = consumer
        self.credential = credential
        headers = self.upstream_headers
        for name, value in (
            (CONSUMER_ID, consumer.id if consumer else None),
            (CONSUMER_CUSTOM_ID, consumer.custom_id if consumer else None),
            (CONSUMER_USERNAME, consumer.username if consumer else None),
            (CREDENTIAL_IDENTIFIER, credential.id if credential else None),
            # Consumer groups are an Enterprise feature; no client-sent value may pass for one.
            (CONSUMER_GROUPS, None),
        ):
            if value:
                headers.set(name, value)
            else:
                headers.remove(name)
        if credential is None:
            headers.set(ANONYMOUS, "true")
        else:
            headers.remove(ANONYMOUS)

    def set_response_header(self, name: str, value: str) -> None:
        """A header the downstream response will carry, whatever the upstream says."""
        self.response_ops.append(("set", name, value))

    def add_response_header(self, name: str, value: str) -> None:
        self.response_ops.append(("add", name, value))

    def clear_response_header(self, name: str) -> None:
        self.response_ops.append(("clear", name, None))

    def apply_response_ops(self, headers: Headers) -> None:
        """Apply the header changes plugins asked for, in order."""
        for op, name, value in self.response_ops:
            if op == "set" and value is not None:
                headers.set(name, value)
            elif op == "add" and value is not None:
                headers.add(name, value)
            else:
                headers.remove(name)

    def exit_with(
        self, status: int, body: object = None, headers: Mapping[str, Any] | None = None
    ) -> None:
        """Answer without proxying: a table body becomes JSON, as in `kong.response.exit`."""
        exit_headers = Headers()
        for name, value in (headers or {}).items():
            for item in value if isinstance(value, list) else [value]:
                exit_headers.add(str(name), header_text(item))
        if body is None:
            payload = b""
        elif isinstance(body, bytes):
            payload = body
        elif isinstance(body, str):
            payload = body.encode()
        else:
            payload = json.dumps(body, separators=(",", ":")).encode()
            if "content-type" not in exit_headers:
                exit_headers.set("Content-Type", JSON_CONTENT_TYPE)
        self.exit = ExitResponse(status, payload, exit_headers)
        self.response_status = status
        self.response_source = "exit"

    def error(
        self, status: int, message: str | None = None, headers: Mapping[str, Any] | None = None
    ) -> None:
        """Answer with Kong's error body, as in `kong.response.error`."""
        text = message or DEFAULT_ERROR_MESSAGES.get(status, "An unexpected error occurred")
        self.exit_with(status, {"message": text, "request_id": self.request_id}, headers)


def header_text(value: object) -> str:
    """A header value as Kong writes it (booleans lower case, numbers without a fraction)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def kong_error_body(status: int, request_id: str, message: str | None = None) -> bytes:
    """The JSON body of a gateway error outside any plugin (no route, upstream failure)."""
    text = message or DEFAULT_ERROR_MESSAGES.get(status, "An unexpected error occurred")
    return json.dumps({"message": text, "request_id": request_id}, separators=(",", ":")).encode()
