"""Building composite subrequests and reading their results."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote as url_quote

from salesforce_system.adapters.salesforce.errors import problem_for

HALTED = "PROCESSING_HALTED"
_REFERENCE = re.compile(r"(@\{[A-Za-z0-9_]+\.[A-Za-z0-9_.\[\]]+\})")


def subrequest(
    method: str, url: str, reference: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One composite subrequest (url relative to the data path)."""
    entry: dict[str, Any] = {"method": method, "url": url, "referenceId": reference}
    if body is not None:
        entry["body"] = body
    return entry


def reads_as_reference(value: Any) -> bool:
    """Whether Salesforce would read part of this value as a composite reference: it resolves
    every `@{...}` in the string values of a composite subrequest and has no escape for it."""
    if isinstance(value, str):
        return "@{" in value
    if isinstance(value, dict):
        return any(reads_as_reference(item) for item in value.values())
    if isinstance(value, list):
        return any(reads_as_reference(item) for item in value)
    return False


def split_references(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields a composite body can carry as they are, and the fields it cannot (they read
    as references), which go in a plain sObject write: that resolves nothing."""
    held = {name: value for name, value in fields.items() if reads_as_reference(value)}
    return {name: value for name, value in fields.items() if name not in held}, held


def query_url(soql: str, *, references: Sequence[str] = ()) -> str:
    """The relative url of a query subrequest: all of it percent-encoded (so no text in a
    literal reads as a reference) but the `@{ref.field}` references named."""
    parts = _REFERENCE.split(soql)
    encoded = (part if part in references else url_quote(part, safe="") for part in parts)
    return "/query?q=" + "".join(encoded)


def raise_for_results(results: list[dict[str, Any]], *, what: str) -> None:
    """Raise the problem of the subrequest that failed (not the ones halted because of it)."""
    failed = [result for result in results if int(result.get("httpStatusCode", 200)) >= 400]
    if not failed:
        return
    causes = [result for result in failed if _code(result) != HALTED] or failed
    cause = causes[0]
    raise problem_for(int(cause["httpStatusCode"]), cause.get("body"), what=what)


def result_body(results: list[dict[str, Any]], reference: str) -> Any:
    """The body of the subrequest with this reference id."""
    for result in results:
        if result.get("referenceId") == reference:
            return result.get("body")
    raise KeyError(reference)


def _code(result: dict[str, Any]) -> str | None:
    body = result.get("body")
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("errorCode") or body[0].get("statusCode"))
    return None
