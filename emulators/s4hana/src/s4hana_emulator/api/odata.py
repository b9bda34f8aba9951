"""The OData v2 services under /sap/opu/odata/sap/<SERVICE>/ (one catch-all route).

The path is split from the raw (still percent-encoded) path, segment by segment, so a key
holding `/` or `%` survives; the query is form-decoded (`%24top` → `$top`, `+` → space) as
pyodata sends it. The work itself runs on the event loop: the store serialises every request on
one lock anyway, so a worker thread bought no parallelism, while handing each request to one and
waking the loop from it cost CPU on every request (about 1 ms of a partner order's three).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote

from fastapi import APIRouter, Request, Response

from s4hana_emulator.odata.batch import handle_batch
from s4hana_emulator.odata.engine import ODataRequest, ODataResponse

if TYPE_CHECKING:
    from s4hana_emulator.emulator import Emulator

ROOT = "/sap/opu/odata/sap/"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "MERGE", "DELETE"]
TUNNELLED = frozenset({"PUT", "PATCH", "MERGE", "DELETE"})

router = APIRouter(include_in_schema=False)


def base_url(request: Request, service: str) -> str:
    """The service root as the client addressed it (same scheme, host and port)."""
    scheme = request.headers.get("x-forwarded-proto") or request.url.scheme
    host = request.headers.get("x-forwarded-host") or request.headers.get("host")
    host = host or request.url.netloc
    return f"{scheme}://{host}{ROOT}{service}/"


def odata_request(request: Request, body: bytes, emulator: Emulator) -> ODataRequest:
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    relative = raw_path.decode("latin-1")[len(ROOT) :]
    service_raw, _, rest = relative.partition("/")
    service = emulator.canonical_service(unquote(service_raw))
    method = request.method.upper()
    tunnelled = request.headers.get("x-http-method", "").upper()
    if method == "POST" and tunnelled in TUNNELLED:
        method = tunnelled
    query = parse_qsl(request.url.query, keep_blank_values=True)
    return ODataRequest(
        method=method,
        service=service,
        segments=[unquote(part) for part in rest.split("/")] if rest else [],
        query=query,
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
        base_url=base_url(request, service),
        user=str(getattr(request.state, "sap_user", "")),
    )


def to_response(answer: ODataResponse, *, head: bool = False) -> Response:
    response = Response(b"" if head else answer.body, status_code=answer.status)
    for name, value in answer.headers:
        response.headers.append(name, value)
    response.headers["dataserviceversion"] = "2.0"
    return response


@router.api_route(ROOT + "{service}", methods=METHODS)
@router.api_route(ROOT + "{service}/{path:path}", methods=METHODS)
async def odata(request: Request) -> Response:
    """Every OData operation of every emulated service."""
    emulator: Emulator = request.app.state.emulator
    body = await request.body()
    operation = odata_request(request, body, emulator)
    if operation.segments == ["$batch"] and operation.method == "POST":
        content_type = request.headers.get("content-type", "")
        answer = handle_batch(emulator.engine, operation, content_type=content_type)
    else:
        answer = emulator.engine.handle(operation)
    return to_response(answer, head=request.method == "HEAD")
