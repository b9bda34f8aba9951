"""How a call to S/4HANA is named in traces: by method and entity set (`s4hana POST
A_SalesOrder`, `s4hana POST $batch`), never by keys or filter values."""

from __future__ import annotations

import re

import httpx

BACKEND = "s4hana"

# /sap/opu/odata/sap/<service>/<entity set or $batch>(<key>)/<navigation>...
_ODATA_PATH = re.compile(r"^/sap/opu/odata/sap/(?P<service>[^/]+)/?(?P<resource>[^/(]*)")


def s4hana_call_name(request: httpx.Request) -> str:
    """The span name of one call to an OData service of S/4HANA."""
    method = request.method
    odata = _ODATA_PATH.match(request.url.path)
    if odata is None:
        return f"{BACKEND} {method}"
    # The service document (CSRF fetches, pings) names the service itself.
    return f"{BACKEND} {method} {odata.group('resource') or odata.group('service')}"
