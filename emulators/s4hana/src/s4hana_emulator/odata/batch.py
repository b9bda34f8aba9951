"""`$batch`: multipart/mixed requests with reads and all-or-nothing changesets.

The answer is always 202 with one part per request part. A changeset that succeeds answers
with a nested multipart (one part per operation); one that fails is rolled back and collapses
into a single part carrying the error, as SAP Gateway does (pyodata relies on that shape).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote, urlsplit

from s4hana_emulator.odata.engine import ODataEngine, ODataRequest, ODataResponse
from s4hana_emulator.odata.errors import bad_request

CRLF = b"\r\n"
_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_REQUEST_LINE = re.compile(r"^([A-Z]+)\s+(\S+)(?:\s+HTTP/\d\.\d)?$")


class BatchSyntaxError(ValueError):
    """A batch body that is not the multipart document OData expects."""


@dataclass
class Operation:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    content_id: str | None = None


@dataclass
class Changeset:
    operations: list[Operation] = field(default_factory=list)


def boundary_of(content_type: str) -> str:
    match = _BOUNDARY.search(content_type)
    if not content_type.lower().startswith("multipart/mixed") or match is None:
        raise BatchSyntaxError("The batch request needs Content-Type multipart/mixed; boundary=…")
    return match.group(1) or match.group(2)


def _split(body: bytes, boundary: str) -> list[bytes]:
    delimiter = b"--" + boundary.encode()
    sections = body.split(delimiter)
    if len(sections) < 2:
        raise BatchSyntaxError("The batch request holds no part")
    parts: list[bytes] = []
    for section in sections[1:]:
        if section.startswith(b"--"):
            return parts
        parts.append(_trim(section))
    raise BatchSyntaxError("The batch request does not end with its closing boundary")


def _trim(section: bytes) -> bytes:
    """The part between two delimiters, without the line breaks that belong to them."""
    for newline in (b"\r\n", b"\n"):
        if section.startswith(newline):
            section = section[len(newline) :]
            break
    for newline in (b"\r\n", b"\n"):
        if section.endswith(newline):
            return section[: -len(newline)]
    return section


def _head_and_body(block: bytes) -> tuple[dict[str, str], bytes, list[str]]:
    """Headers (lower-case names), body, and the head's lines (the first may be a request line)."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, rest = block.partition(separator)
        if found:
            break
    else:
        head, rest = block, b""
    lines = head.decode("latin-1").splitlines()
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if colon and not _REQUEST_LINE.match(line):
            headers[name.strip().lower()] = value.strip()
    return headers, rest, lines


def _operation(part: bytes) -> Operation:
    mime, payload, _ = _head_and_body(part)
    if not mime.get("content-type", "").lower().startswith("application/http"):
        raise BatchSyntaxError("A batch part must have Content-Type application/http")
    headers, body, lines = _head_and_body(payload.lstrip(b"\r\n"))
    match = _REQUEST_LINE.match(lines[0].strip()) if lines else None
    if match is None:
        raise BatchSyntaxError("A batch part has no request line")
    length = headers.get("content-length")
    if length and length.isdigit():
        body = body[: int(length)]
    return Operation(
        method=match.group(1),
        target=match.group(2),
        headers=headers,
        body=body.rstrip(b"\r\n"),
        content_id=mime.get("content-id") or headers.get("content-id"),
    )


def parse_batch(content_type: str, body: bytes) -> list[Operation | Changeset]:
    """The operations and changesets of a batch request, in order."""
    items: list[Operation | Changeset] = []
    for part in _split(body, boundary_of(content_type)):
        mime, payload, _ = _head_and_body(part)
        part_type = mime.get("content-type", "")
        if part_type.lower().startswith("multipart/mixed"):
            inner = _split(payload, boundary_of(part_type))
            items.append(Changeset([_operation(item) for item in inner]))
        else:
            items.append(_operation(part))
    return items


def _request_for(outer: ODataRequest, operation: Operation, paths: dict[str, str]) -> ODataRequest:
    target = operation.target
    if "://" in target:
        target = urlsplit(target).path + ("?" + urlsplit(target).query if "?" in target else "")
    root = urlsplit(outer.base_url).path
    if target.startswith(root):
        target = target[len(root) :]
    path, _, query = target.lstrip("/").partition("?")
    head, slash, rest = path.partition("/")
    if head.startswith("$") and head[1:] in paths:
        path = paths[head[1:]] + slash + rest
    method = operation.method.upper()
    tunnelled = operation.headers.get("x-http-method", "").upper()
    if method == "POST" and tunnelled in ("PUT", "PATCH", "MERGE", "DELETE"):
        method = tunnelled
    return ODataRequest(
        method=method,
        service=outer.service,
        segments=[unquote(segment) for segment in path.split("/")] if path else [],
        query=parse_qsl(query, keep_blank_values=True),
        headers=operation.headers,
        body=operation.body,
        base_url=outer.base_url,
        user=outer.user,
    )


class _ChangesetFailed(Exception):
    def __init__(self, response: ODataResponse) -> None:
        self.response = response


def _run_changeset(
    engine: ODataEngine, outer: ODataRequest, changeset: Changeset
) -> list[tuple[Operation, ODataResponse]] | ODataResponse:
    paths: dict[str, str] = {}
    answers: list[tuple[Operation, ODataResponse]] = []
    try:
        with engine.store.transaction():
            for operation in changeset.operations:
                request = _request_for(outer, operation, paths)
                if request.method in ("GET", "HEAD"):
                    error = bad_request("Read operations are not allowed inside a changeset")
                    raise _ChangesetFailed(engine.error_response(error, request))
                answer = engine.handle(request)
                if answer.status >= 400:
                    raise _ChangesetFailed(answer)
                if operation.content_id and answer.created_path:
                    paths[operation.content_id] = answer.created_path
                answers.append((operation, answer))
    except _ChangesetFailed as failure:
        return failure.response
    return answers


def _http_part(response: ODataResponse, content_id: str | None = None) -> bytes:
    reason = HTTPStatus(response.status).phrase
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    lines.append(f"content-length: {len(response.body)}")
    lines.append("dataserviceversion: 2.0")
    inner = "\r\n".join(lines).encode() + CRLF + CRLF + response.body
    mime = [b"Content-Type: application/http", b"Content-Transfer-Encoding: binary"]
    if content_id:
        mime.append(f"Content-ID: {content_id}".encode())
    mime.append(f"Content-Length: {len(inner)}".encode())
    return CRLF.join(mime) + CRLF + CRLF + inner + CRLF


def _multipart(boundary: str, parts: list[bytes]) -> bytes:
    body = b"".join(b"--" + boundary.encode() + CRLF + part for part in parts)
    return body + b"--" + boundary.encode() + b"--" + CRLF


def handle_batch(engine: ODataEngine, outer: ODataRequest, *, content_type: str) -> ODataResponse:
    """Run a `$batch` request: reads one by one, each changeset in one transaction."""
    try:
        items = parse_batch(content_type, outer.body)
    except BatchSyntaxError as error:
        return engine.error_response(bad_request(str(error), kind="syntax"), outer)
    if outer.service not in engine.services:
        return engine.handle(outer)
    parts: list[bytes] = []
    for item in items:
        if isinstance(item, Operation):
            request = _request_for(outer, item, {})
            if request.method not in ("GET", "HEAD"):
                refusal = bad_request("Modifying operations must be inside a changeset")
                parts.append(_http_part(engine.error_response(refusal, request)))
                continue
            parts.append(_http_part(engine.handle(request)))
            continue
        result = _run_changeset(engine, outer, item)
        if isinstance(result, ODataResponse):
            parts.append(_http_part(result))
            continue
        boundary = f"changesetresp_{secrets.token_hex(8)}"
        nested = _multipart(boundary, [_http_part(answer, op.content_id) for op, answer in result])
        header = f"Content-Type: multipart/mixed; boundary={boundary}".encode()
        parts.append(header + CRLF + CRLF + nested)
    boundary = f"batchresp_{secrets.token_hex(8)}"
    content = f"multipart/mixed; boundary={boundary}"
    return ODataResponse(202, [("content-type", content)], _multipart(boundary, parts))
