"""How a call to the org is named in traces: by operation and sObject (`salesforce query Account`,
`salesforce PATCH Order`), never by record ids or query values."""

from __future__ import annotations

import re

import httpx

BACKEND = "salesforce"

_DATA_PATH = re.compile(r"^/services/data/v[0-9.]+(?P<rest>/.*)?$")
_STRING_LITERAL = re.compile(r"'(?:\\.|[^'\\])*'")
_SUBQUERY = re.compile(r"\([^()]*\)")
_FROM = re.compile(r"\bFROM\s+(\w+)", re.IGNORECASE)


def salesforce_call_name(request: httpx.Request) -> str:
    """The span name of one call to the org's REST API."""
    return f"{BACKEND} {_operation(request)}"


def _operation(request: httpx.Request) -> str:
    method, path = request.method, request.url.path
    data = _DATA_PATH.match(path)
    if data is None:
        if path.startswith("/services/oauth2/"):
            return f"{method} oauth2 {path.rsplit('/', 1)[-1]}"
        if path.startswith("/id/"):
            return f"{method} identity"
        return method
    segments = [segment for segment in (data.group("rest") or "").split("/") if segment]
    if not segments:
        return f"{method} versions"
    if segments[0] in ("query", "queryAll"):
        soql = request.url.params.get("q")
        return f"{segments[0]} {queried_object(soql)}" if soql else f"{segments[0]} more"
    if segments[0] == "sobjects" and len(segments) > 1:
        return f"{method} {segments[1]}"
    if segments[:2] == ["composite", "sobjects"]:
        return f"{method} composite sobjects" + (f" {segments[2]}" if len(segments) > 2 else "")
    if segments[:2] == ["jobs", "ingest"]:
        return f"{method} bulk ingest" + (f" {segments[3]}" if len(segments) > 3 else "")
    return f"{method} {segments[0]}"


def queried_object(soql: str) -> str:
    """The sObject a SOQL query reads (its outer FROM; subqueries and literals ignored)."""
    text = _STRING_LITERAL.sub("''", soql)
    while True:
        flattened = _SUBQUERY.sub("", text)
        if flattened == text:
            break
        text = flattened
    found = _FROM.search(text)
    return found.group(1) if found else "records"
