"""OData v2 `$batch` (multipart/mixed) for read operations: build the body, parse the answer."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

CRLF = "\r\n"
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_STATUS_LINE = re.compile(r"^HTTP/\d\.\d\s+(\d{3})")


class BatchFormatError(ValueError):
    """The batch answer is not the multipart document OData promises."""


@dataclass(frozen=True)
class BatchPart:
    """One operation's answer inside a batch."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The part's JSON body."""
        return json.loads(self.body)


def new_boundary() -> str:
    """A boundary no body of ours can contain."""
    return f"batch_{secrets.token_hex(12)}"


def encode_read_batch(paths: Sequence[str], *, boundary: str) -> bytes:
    """A batch of GETs; `paths` are relative to the service root, query included."""
    lines: list[str] = []
    for path in paths:
        lines += [
            f"--{boundary}",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            "",
            f"GET {path} HTTP/1.1",
            "Accept: application/json",
            "",
            # Gateway wants the (empty) body line even for a GET.
            "",
        ]
    lines.append(f"--{boundary}--")
    return (CRLF.join(lines) + CRLF).encode()


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart Content-Type."""
    match = _BOUNDARY.search(content_type)
    if not match or not content_type.lower().startswith("multipart/"):
        raise BatchFormatError(f"not a multipart answer: {content_type!r}")
    return match.group(1)


def decode_batch(content_type: str, body: bytes) -> list[BatchPart]:
    """Every operation's answer in order; a changeset's answers are flattened in place."""
    parts: list[BatchPart] = []
    for mime_headers, payload in _split(body, boundary_of(content_type)):
        part_type = mime_headers.get("content-type", "")
        if part_type.lower().startswith("multipart/"):
            parts.extend(decode_batch(part_type, payload))
        else:
            parts.append(_parse_http_response(payload))
    return parts


def _split(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    delimiter = b"--" + boundary.encode()
    sections = body.split(delimiter)
    if len(sections) < 2:
        raise BatchFormatError("the batch answer holds no part")
    parts: list[tuple[dict[str, str], bytes]] = []
    for section in sections[1:]:
        if section.startswith(b"--"):
            break
        headers, payload = _head_and_body(_strip_line_break(section))
        parts.append((headers, payload))
    return parts


def _strip_line_break(section: bytes) -> bytes:
    # The delimiter owns the line break before it and ends its own line.
    if section.startswith(b"\r\n"):
        section = section[2:]
    elif section.startswith(b"\n"):
        section = section[1:]
    if section.endswith(b"\r\n"):
        return section[:-2]
    return section[:-1] if section.endswith(b"\n") else section


def _head_and_body(block: bytes) -> tuple[dict[str, str], bytes]:
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, rest = block.partition(separator)
        if found:
            return _headers(head.decode("latin-1").splitlines()), rest
    return _headers(block.decode("latin-1").splitlines()), b""


def _headers(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return headers


def _parse_http_response(payload: bytes) -> BatchPart:
    status_line, _, rest = payload.partition(b"\n")
    match = _STATUS_LINE.match(status_line.decode("latin-1").strip())
    if not match:
        raise BatchFormatError(f"a batch part has no status line: {status_line[:80]!r}")
    headers, body = _head_and_body(rest)
    length = headers.get("content-length")
    if length and length.isdigit():
        body = body[: int(length)]
    return BatchPart(status=int(match.group(1)), headers=headers, body=body.rstrip(b"\r\n"))
