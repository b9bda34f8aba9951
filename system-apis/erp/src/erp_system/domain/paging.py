"""Cursor paging over offset queries: fetch one row more than asked to know if a page follows."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from erp_system.domain.errors import InvalidCursor
from trivium.schemas import Page

ItemT = TypeVar("ItemT")

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
MAX_OFFSET = 1_000_000
_CURSOR = re.compile(r"^o:(\d{1,7})$")


async def fetch_page(
    fetch: Callable[[int, int], Awaitable[list[ItemT]]], *, limit: int, cursor: str | None
) -> Page[ItemT]:
    """One page of `fetch(limit + 1, offset)`, with the cursor of the next page if any."""
    offset = decode_cursor(cursor)
    rows = await fetch(limit + 1, offset)
    items = rows[:limit]
    next_cursor = encode_cursor(offset + limit) if len(rows) > limit else None
    return Page[ItemT](items=items, next_cursor=next_cursor)


def encode_cursor(offset: int) -> str:
    """An opaque cursor naming where the next page starts."""
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The offset a cursor names; 400 when the cursor was not made by this API."""
    if not cursor:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCursor("The cursor is not one this API issued.") from error
    match = _CURSOR.match(decoded)
    if not match or int(match.group(1)) > MAX_OFFSET:
        raise InvalidCursor("The cursor is not one this API issued.")
    return int(match.group(1))
