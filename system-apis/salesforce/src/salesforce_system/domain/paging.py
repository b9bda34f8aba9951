"""Paging over Salesforce ids: keyset pages ordered by id, so no SOQL OFFSET limit applies."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from trivium.paging import keyset_page
from trivium.schemas import Page

_RECORD_ID = re.compile(r"^[a-zA-Z0-9]{15,18}$")


class HasId(Protocol):
    @property
    def id(self) -> str: ...


ItemT = TypeVar("ItemT", bound=HasId)


async def fetch_page(
    fetch: Callable[[int, str | None], Awaitable[list[ItemT]]], *, limit: int, cursor: str | None
) -> Page[ItemT]:
    """One page of `fetch(limit + 1, after_id)`, with the cursor of the next page if any."""
    return await keyset_page(
        fetch, key=lambda item: item.id, key_shape=_RECORD_ID, limit=limit, cursor=cursor
    )
