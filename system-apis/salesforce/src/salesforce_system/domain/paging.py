"""Paging over Salesforce ids: keyset pages ordered by id, so no SOQL OFFSET limit applies."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from trivium.paging import PageRequest, keyset_page
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


class IdFetch(Protocol[ItemT]):
    """A port's listing method over records ordered by id."""

    def __call__(self, *, limit: int, after: str | None) -> Awaitable[list[ItemT]]: ...


async def page_by_id(fetch: IdFetch[ItemT], page: PageRequest) -> Page[ItemT]:
    """The page a route was asked for, of `fetch(limit=…, after=…)`: a port's listing method."""
    return await fetch_page(
        lambda size, after: fetch(limit=size, after=after), limit=page.limit, cursor=page.cursor
    )
