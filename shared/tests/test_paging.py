"""Cursor pages over keyset and offset listings."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import partial

import httpx
import pytest
import redis.asyncio
from fastapi import FastAPI

from trivium.paging import (
    DEFAULT_PAGE_SIZE,
    InvalidCursor,
    PageQuery,
    PageRequest,
    encode_cursor,
    keyset_page,
    lex_index_page,
    offset_page,
)
from trivium.schemas import Page

pytestmark = pytest.mark.asyncio

ROWS = [f"row-{n:02d}" for n in range(7)]
KEY_SHAPE = re.compile(r"^row-\d{2}$")


async def by_key(size: int, after: str | None) -> list[str]:
    return [row for row in ROWS if after is None or row > after][:size]


async def by_offset(*, limit: int, offset: int) -> list[str]:
    return ROWS[offset : offset + limit]


async def every_page(read_page: Callable[[str | None], Awaitable[Page[str]]]) -> list[str]:
    """The rows of every page, following the next cursors from the first page to the last."""
    seen: list[str] = []
    cursor = None
    while True:
        page = await read_page(cursor)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            return seen


class TestKeysetPage:
    async def test_pages_cover_every_row_once(self) -> None:
        pages = partial(keyset_page, by_key, key=str, key_shape=KEY_SHAPE, limit=3)
        assert await every_page(lambda cursor: pages(cursor=cursor)) == ROWS

    async def test_exact_fit_has_no_next_page(self) -> None:
        page = await keyset_page(by_key, key=str, key_shape=KEY_SHAPE, limit=7, cursor=None)
        assert page.next_cursor is None

    @pytest.mark.parametrize("cursor", ["%%%", encode_cursor("'; DROP TABLE x"), "AAAA"])
    async def test_foreign_cursor_is_invalid(self, cursor: str) -> None:
        with pytest.raises(InvalidCursor):
            await keyset_page(by_key, key=str, key_shape=KEY_SHAPE, limit=3, cursor=cursor)


class TestOffsetPage:
    async def test_pages_cover_every_row_once(self) -> None:
        def read_page(cursor: str | None) -> Awaitable[Page[str]]:
            return offset_page(by_offset, PageRequest(limit=2, cursor=cursor))

        assert await every_page(read_page) == ROWS

    async def test_offset_beyond_the_cap_is_invalid(self) -> None:
        with pytest.raises(InvalidCursor):
            await offset_page(by_offset, PageRequest(limit=2, cursor=encode_cursor("o:9999999")))


class TestPageQuery:
    async def test_a_route_reads_limit_and_cursor_as_one_page_request(self) -> None:
        app = FastAPI()

        @app.get("/rows")
        async def list_rows(page: PageQuery) -> dict[str, object]:
            return {"limit": page.limit, "cursor": page.cursor}

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/rows")).json() == {
                "limit": DEFAULT_PAGE_SIZE,
                "cursor": None,
            }
            assert (await client.get("/rows?limit=3&cursor=c")).json() == {
                "limit": 3,
                "cursor": "c",
            }
            assert (await client.get("/rows?limit=0")).status_code == 422
        parameters = app.openapi()["paths"]["/rows"]["get"]["parameters"]
        assert [parameter["name"] for parameter in parameters] == ["limit", "cursor"]


class TestLexIndexPage:
    async def test_pages_run_newest_first_and_the_last_says_so(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        await redis_client.zadd("index", {f"01J{n:03d}": 0 for n in range(5)})

        first, after = await lex_index_page(redis_client, "index", limit=2, after=None)
        second, after_second = await lex_index_page(redis_client, "index", limit=2, after=after)
        last, end = await lex_index_page(redis_client, "index", limit=2, after=after_second)

        assert (first, after) == (["01J004", "01J003"], "01J003")
        assert (second, after_second) == (["01J002", "01J001"], "01J001")
        assert (last, end) == (["01J000"], None)
