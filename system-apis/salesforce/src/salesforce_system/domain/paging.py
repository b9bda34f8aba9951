"""Cursor paging over keyset queries: fetch one row more than asked to know if a page follows."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from salesforce_system.domain.errors import InvalidCursor
from trivium.schemas import Page

_CURSOR_ID = re.compile(r"^[a-zA-Z0-9]{15,18}$")


class HasId(Protocol):
    @property
    def id(self) -> str: ...


ItemT = TypeVar("ItemT", bound=HasId)

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


async def fetch_page(
    fetch: Callable[[int, str | None], Awaitable[list[ItemT]]], *, limit: int, cursor: str | None
) -> Page[ItemT]:
    """One page of `fetch(limit + 1, after_id)`, with the cursor of the next page if any."""
    rows = await fetch(limit + 1, decode_cursor(cursor))
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit and items else None
    return Page(items=items, next_cursor=next_cursor)


def encode_cursor(last_id: str) -> str:
    """An opaque cursor naming the last record of a page."""
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The last record id a cursor names; 400 when the cursor was not made by this API."""
    if not cursor:
        return None
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCursor("The cursor is not one this API issued.") from error
    if not _CURSOR_ID.match(decoded):
        raise InvalidCursor("The cursor is not one this API issued.")
    return decoded
