"""The operators' routes over a Process API's sagas that need attention: list them, and retry the
CRM write that was refused once its cause is fixed.

Each service names its saga, its path, its problems and the wording of the docs; listing, paging
and the shape of the retry are the same everywhere.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures built below at run
# time, and they name the service's models through closures.

import inspect
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from trivium import paging
from trivium.problems import Problem, problem_responses
from trivium.schemas import Page

StateT = TypeVar("StateT")
ReadT = TypeVar("ReadT", bound=BaseModel)
_PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def needs_attention_router(
    *,
    flow: Callable[..., Awaitable[Any]],
    read: Callable[[StateT], ReadT],
    read_model: type[ReadT],
    retry: Callable[[Any, str], Awaitable[StateT | None]],
    id_pattern: str,
    operator: Callable[..., Awaitable[Any]],
    operator_required: type[Problem],
    retry_path: str,
    saga_id: Any,
    retry_problems: Sequence[type[Problem]],
    list_description: str,
    retry_description: str,
) -> APIRouter:
    """`GET /needs-attention` over the flow's attention index (newest first, paged by saga id)
    and `POST <retry_path>` with `retry` (whose one path parameter is typed `saga_id`), each
    saga shown as `read` makes it, for the callers `operator` lets through. The descriptions are
    written as docstrings are."""
    router = APIRouter(tags=["needs attention"], dependencies=[Depends(operator)])
    id_shape = re.compile(id_pattern)
    flow_type = Annotated[Any, Depends(flow)]

    @router.get(
        "/needs-attention",
        response_model=Page[read_model],  # type: ignore[valid-type]
        responses=problem_responses(operator_required, paging.InvalidCursor),
        description=inspect.cleandoc(list_description),
    )
    async def list_needing_attention(
        saga_flow: flow_type,
        limit: paging.LimitQuery = paging.DEFAULT_PAGE_SIZE,
        cursor: paging.CursorQuery = None,
    ) -> Any:
        after = paging.decode_cursor(cursor, shape=id_shape) if cursor else None
        states, last = await saga_flow.store.list_needing_attention(limit=limit, after=after)
        return Page(
            items=[read(state) for state in states],
            next_cursor=paging.encode_cursor(last) if last else None,
        )

    (id_name,) = _PATH_PARAMETER.findall(retry_path)

    async def retry_crm(**arguments: Any) -> Any:
        state = await retry(arguments["saga_flow"], arguments[id_name])
        assert state is not None  # the retry raises for a saga it cannot find
        return read(state)

    # The path parameter is named as the service's path names it.
    retry_crm.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(id_name, inspect.Parameter.KEYWORD_ONLY, annotation=saga_id),
            inspect.Parameter("saga_flow", inspect.Parameter.KEYWORD_ONLY, annotation=flow_type),
        ]
    )
    router.post(
        retry_path,
        response_model=read_model,
        responses=problem_responses(*retry_problems),
        description=inspect.cleandoc(retry_description),
    )(retry_crm)
    return router
