"""Composite subrequests as the composite tests write them."""

from __future__ import annotations

from typing import Any

BASE = "/services/data/v62.0"


def sub(method: str, path: str, reference_id: str, body: Any = None) -> dict[str, Any]:
    """One subrequest of a composite request, to a path of the data API."""
    request: dict[str, Any] = {"method": method, "url": BASE + path, "referenceId": reference_id}
    if body is not None:
        request["body"] = body
    return request
