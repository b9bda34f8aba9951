"""httpx's transport interface on aiohttp, behaving like httpx's own transport: the same exception
classes (was the request sent or not?), and no cookies or default headers of its own."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Iterator

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

# httpx-aiohttp maps every aiohttp connection error (refused, reset, server gone) to ConnectTimeout;
# callers need httpcore's distinctions (was the request sent?), so the causes are mapped again.
_AIOHTTP_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.ClientProxyConnectionError, httpx.ProxyError),
    (aiohttp.ClientHttpProxyError, httpx.ProxyError),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.ReadError),
    (aiohttp.ClientConnectionError, httpx.ReadError),
    (aiohttp.ClientError, httpx.RemoteProtocolError),
)
# What would end a header line early: refused before sending, as httpcore (h11) refuses it.
_LINE_BREAKING = re.compile(rb"[\r\n\x00]")


def _refuse_line_breaks(request: httpx.Request) -> None:
    for name, value in request.headers.raw:
        if _LINE_BREAKING.search(name) or _LINE_BREAKING.search(value):
            raise httpx.LocalProtocolError(f"Illegal header value {value!r}", request=request)


@contextlib.contextmanager
def _consistent_errors() -> Iterator[None]:
    try:
        yield
    except (httpx.TransportError, aiohttp.ClientError) as error:
        origin = error.__cause__ if isinstance(error, httpx.TransportError) else error
        for aiohttp_class, httpx_class in _AIOHTTP_ERRORS:
            if isinstance(origin, aiohttp_class):
                if type(error) is httpx_class:
                    raise
                raise httpx_class(str(origin) or type(origin).__name__) from origin
        raise


class _ConsistentStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _consistent_errors():
            async for chunk in self._inner:
                yield chunk

    async def aclose(self) -> None:
        with _consistent_errors():
            await self._inner.aclose()


class ConsistentAiohttpTransport(AiohttpTransport):
    """httpx-aiohttp behaving like httpcore: the same error classes, and no cookies or headers of
    its own (its default session keeps a second cookie jar, which adds to a `Cookie` header the
    caller chose and revives cookies cleared from httpx's jar, and labels bare bytes
    `application/octet-stream`)."""

    def get_client(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self.limits.max_connections or 0,
            keepalive_timeout=self.limits.keepalive_expiry,
            ssl=self.ssl_context,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("Content-Type",),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        _refuse_line_breaks(request)
        with _consistent_errors():
            response = await super().handle_async_request(request)
        if isinstance(response.stream, httpx.AsyncByteStream):
            response.stream = _ConsistentStream(response.stream)
        return response
