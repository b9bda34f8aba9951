"""The aiohttp transport refuses what httpx's own transport refuses, with the same error."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from trivium.aiohttp_transport import ConsistentAiohttpTransport

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def server() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A loopback server answering 204 to anything; the bytes of each request it received."""
    received: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    listening = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", received
    listening.close()
    await listening.wait_closed()


class TestHeaderValues:
    @pytest.mark.parametrize("transport", ["aiohttp", "httpcore"])
    @pytest.mark.parametrize("value", ["a\nb", "a\r\nX-Injected: 1", "a\x00b"])
    async def test_a_line_break_is_refused_before_sending(
        self, server: tuple[str, list[bytes]], transport: str, value: str
    ) -> None:
        url, received = server
        inner = ConsistentAiohttpTransport() if transport == "aiohttp" else None
        async with httpx.AsyncClient(transport=inner) as client:
            with pytest.raises(httpx.LocalProtocolError):
                await client.get(url, headers={"Idempotency-Key": value})
            assert (await client.get(url, headers={"Idempotency-Key": "a b"})).status_code == 204
        assert len(received) == 1
        assert b"X-Injected" not in received[0]
