"""HTTP errors on the SAP paths answer in SAP's OData error format; elsewhere as problem+json."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from s4hana_emulator.odata.errors import PROTOCOL_CODES, ErrorContext, ODataError, render_error
from trivium.correlation import current_correlation_id
from trivium.errors import ProblemResponse
from trivium.problems import problem_document, problem_for_status

SAP_PREFIX = "/sap/"
_CODES = {404: PROTOCOL_CODES["not_found"], 405: PROTOCOL_CODES["not_implemented"]}


async def _handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if not request.url.path.startswith(SAP_PREFIX):
        problem_class = problem_for_status(exc.status_code)
        body = problem_document(
            type_uri=problem_class.type_uri(),
            title=problem_class.title,
            status=exc.status_code,
            detail=exc.detail if isinstance(exc.detail, str) else None,
            instance=request.url.path,
            correlation_id=current_correlation_id(),
        )
        return ProblemResponse(body, status_code=exc.status_code, headers=exc.headers)
    error = ODataError(
        exc.status_code,
        _CODES.get(exc.status_code, PROTOCOL_CODES["bad_request"]),
        f"Resource not found for segment '{request.url.path}'"
        if exc.status_code == 404
        else str(exc.detail),
    )
    accept = request.headers.get("accept", "")
    content, content_type = render_error(
        error, ErrorContext(), xml="xml" in accept and "json" not in accept
    )
    headers = dict(exc.headers or {})
    return Response(content, status_code=exc.status_code, media_type=content_type, headers=headers)


def install_sap_handlers(app: FastAPI) -> None:
    """Replace the problem+json handler of HTTP errors with one that knows the SAP paths."""
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
