"""Cursor pagination (`?limit=&cursor=` → `{"items", "nextCursor"}`): opaque cursors, and one row
more than asked for, to know whether another page follows without counting."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Protocol, TypeVar

from fastapi import Depends, Query

from trivium.problems import BadRequest
from trivium.redis_client import AsyncRedis
from trivium.schemas import Page

ItemT = TypeVar("ItemT")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_OFFSET = 1_000_000
_OFFSET_SHAPE = re.compile(r"^o:(\d{1,7})$")

LimitQuery = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
CursorQuery = Annotated[
    str | None, Query(max_length=256, description="`nextCursor` of the previous page.")
]


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The page a client asked a listing for: at most `limit` items, after `cursor`."""

    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None


async def page_request(
    limit: LimitQuery = DEFAULT_PAGE_SIZE, cursor: CursorQuery = None
) -> PageRequest:
    """The `?limit=&cursor=` of a listing route, read as one value."""
    return PageRequest(limit=limit, cursor=cursor)


# A listing route declares `page: PageQuery`; OpenAPI still shows the two query parameters.
PageQuery = Annotated[PageRequest, Depends(page_request)]


class InvalidCursor(BadRequest):
    slug = "invalid-cursor"
    title = "The paging cursor is not valid"


def encode_cursor(position: str) -> str:
    """An opaque cursor for a position in a listing."""
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, shape: re.Pattern[str]) -> str:
    """The position a cursor names; InvalidCursor unless it has the expected shape."""
    try:
        position = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCursor("The cursor is not one this API issued.") from error
    if not shape.match(position):
        raise InvalidCursor("The cursor is not one this API issued.")
    return position


async def keyset_page(
    fetch: Callable[[int, str | None], Awaitable[list[ItemT]]],
    *,
    key: Callable[[ItemT], str],
    key_shape: re.Pattern[str],
    limit: int,
    cursor: str | None,
) -> Page[ItemT]:
    """A page of `fetch(limit + 1, after_key)` over rows ordered by a unique key."""
    after = decode_cursor(cursor, shape=key_shape) if cursor else None
    rows = await fetch(limit + 1, after)
    items = rows[:limit]
    more = len(rows) > limit and bool(items)
    return Page(items=items, next_cursor=encode_cursor(key(items[-1])) if more else None)


class OffsetFetch(Protocol[ItemT]):
    """A port's listing method for a backend that can only skip rows."""

    def __call__(self, *, limit: int, offset: int) -> Awaitable[list[ItemT]]: ...


async def offset_page(fetch: OffsetFetch[ItemT], page: PageRequest) -> Page[ItemT]:
    """A page of `fetch(limit=page.limit + 1, offset=…)`, for backends that can only skip rows."""
    offset = int(decode_cursor(page.cursor, shape=_OFFSET_SHAPE)[2:]) if page.cursor else 0
    if offset > MAX_OFFSET:
        raise InvalidCursor("The cursor is not one this API issued.")
    rows = await fetch(limit=page.limit + 1, offset=offset)
    more = len(rows) > page.limit
    next_cursor = encode_cursor(f"o:{offset + page.limit}") if more else None
    return Page(items=rows[: page.limit], next_cursor=next_cursor)


async def lex_index_page(
    client: AsyncRedis, key: str, *, limit: int, after: str | None
) -> tuple[list[str], str | None]:
    """Up to `limit` members of a sorted set whose members all score alike, newest first in
    lexicographic order (ULID-like ids), after the member `after`; with the last one when more
    follow (the position for the next page), else None."""
    upper = f"({after}" if after else "+"
    raw = await client.zrevrangebylex(key, upper, "-", 0, limit + 1)
    ids = [item.decode() if isinstance(item, bytes) else str(item) for item in raw]
    page = ids[:limit]
    return page, page[-1] if len(ids) > limit and page else None
