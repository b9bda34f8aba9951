"""How a call to NetSuite is named in traces: by method and record type or query service
(`netsuite POST salesOrder`, `netsuite POST suiteql`), never by ids, external ids or query text."""

from __future__ import annotations

import re

import httpx

BACKEND = "netsuite"

# /services/rest/record/v1/<record type>[/<id> or /eid:<external id>...],
# /services/rest/query/v1/suiteql, /services/rest/auth/oauth2/v1/token
_REST_PATH = re.compile(
    r"^/services/rest/(?:record/v1/(?P<record>[^/]+)|query/v1/(?P<query>[^/]+)"
    r"|auth/oauth2/v1/(?P<auth>[^/]+))"
)


def netsuite_call_name(request: httpx.Request) -> str:
    """The span name of one call to NetSuite's REST web services."""
    method = request.method
    rest = _REST_PATH.match(request.url.path)
    if rest is None:
        return f"{BACKEND} {method}"
    return f"{BACKEND} {method} {rest.group('record') or rest.group('query') or rest.group('auth')}"
