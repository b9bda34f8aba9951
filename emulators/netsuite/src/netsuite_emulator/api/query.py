"""The query service: SuiteQL at `query/v1/suiteql`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from starlette.concurrency import run_in_threadpool

from netsuite_emulator.api.deps import CollectionResource, emulator_of, json_body
from netsuite_emulator.domain.errors import NetSuiteError, invalid_content
from netsuite_emulator.emulator import REST_PREFIX
from netsuite_emulator.suiteql.executor import run_suiteql

router = APIRouter(prefix=f"{REST_PREFIX}/query/v1", tags=["query"])


@router.post("/suiteql", response_class=CollectionResource)
async def suiteql(
    request: Request,
    prefer: Annotated[str | None, Header()] = None,
    limit: Annotated[int, Query()] = 1000,
    offset: Annotated[int, Query()] = 0,
) -> dict[str, Any]:
    """Run `{"q": "SELECT …"}`; needs `Prefer: transient`; paged by `limit` and `offset`."""
    if "transient" not in (prefer or "").lower():
        raise NetSuiteError(
            400, "INVALID_PARAMETER", "The request must carry the header 'Prefer: transient'."
        )
    body = await json_body(request)
    query = body.get("q") if isinstance(body, dict) else None
    if not isinstance(query, str) or not query.strip():
        raise invalid_content("The body must be an object with the query in 'q'.", path="q")
    url = str(request.url.remove_query_params(["limit", "offset"]))
    store = emulator_of(request).store
    return await run_in_threadpool(run_suiteql, store, query, limit=limit, offset=offset, url=url)
