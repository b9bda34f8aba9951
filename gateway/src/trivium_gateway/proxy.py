"""The proxy: route, run the plugins, forward to the upstream, stream the answer back.

Behaves as Kong's proxy does: Kong's error bodies for unmatched routes and failed upstreams,
`X-Forwarded-For/Proto/Host/Port/Path/Prefix` and `X-Real-IP` to the upstream (no downstream
proxy is trusted, Kong's default), the upstream `Host` unless `preserve_host`, connection
retries per the service's `retries`, its connect and read timeouts, `Via` and
`X-Kong-*-Latency` on the answer. Request bodies up to `buffer_bytes` are read at once (most
JSON), larger ones are streamed to the upstream; answers of a known length up to `buffer_bytes`
are read whole and sent in one piece, others are streamed. Upstream connections are pooled and
kept alive.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from starlette.types import Receive, Scope, Send
from yarl import URL

from trivium.correlation import current_correlation_id, new_correlation_id, outbound_headers
from trivium.metrics import BACKEND_CALL_SECONDS, BACKEND_CALLS
from trivium.tracing import SPAN_NAME_SCOPE_KEY, mark_failed, tracer
from trivium_gateway.context import RequestContext, kong_error_body
from trivium_gateway.external import ExternalPluginError
from trivium_gateway.headers import Headers
from trivium_gateway.router import request_host

if TYPE_CHECKING:
    from trivium_gateway.runtime import GatewayRuntime

log = logging.getLogger("trivium_gateway.proxy")

HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
        "te", "trailer", "transfer-encoding", "upgrade",
    }
)  # fmt: skip
# The gateway's own server adds these (and the request context adds the correlation headers).
NOT_PASSED_DOWN = HOP_BY_HOP | {"server", "date", "x-correlation-id", "traceparent"}
VIA = "1.1 trivium-gateway"
JSON_HEADERS = [(b"content-type", b"application/json; charset=utf-8")]


class BodyTooLarge(Exception):
    """The client sent more than a plugin allowed."""


@dataclass(frozen=True, slots=True)
class _RouteLabel:
    """What the request-metrics middleware reads as the route template."""

    path: str


class GatewayProxy:
    """The ASGI app that proxies every request the gateway's own endpoints do not answer."""

    def __init__(self) -> None:
        self.runtime: GatewayRuntime | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = self.runtime
        if scope["type"] != "http" or runtime is None:
            await _send(send, 503, b'{"message":"the gateway is not started"}', JSON_HEADERS)
            return
        headers = Headers.from_asgi(scope["headers"])
        method: str = scope["method"]
        path: str = scope["path"]
        raw = scope.get("raw_path")
        raw_path = raw.decode("latin-1") if raw else path
        scheme = "https" if scope.get("scheme") == "https" else "http"
        host = request_host({"host": headers.get("host") or ""}, scope.get("server"))
        request_id = current_correlation_id() or new_correlation_id()
        match = runtime.router.match(
            method=method, scheme=scheme, host=host, path=path, raw_path=raw_path
        )
        if match is None:
            body = kong_error_body(404, request_id, "no Route matched with those values")
            await _send(send, 404, body, JSON_HEADERS)
            return
        route = match.route
        scope["route"] = _RouteLabel(f"{route.paths[0] if route.paths else ''}{{path:path}}")
        # As Kong's opentelemetry plugin names and describes its request span.
        scope[SPAN_NAME_SCOPE_KEY] = f"{method} {route.name or route.id}"
        trace.get_current_span().set_attributes(
            {"kong.route.name": route.name or route.id, "kong.service.name": match.service.name}
        )
        server = scope.get("server") or ("127.0.0.1", 8000)
        client = scope.get("client") or ("127.0.0.1", 0)
        ctx = RequestContext(
            method=method,
            scheme=scheme,
            host=host,
            port=int(server[1] or 0),
            path=path,
            raw_path=raw_path,
            query=scope["query_string"].decode("latin-1"),
            headers=headers,
            client_ip=client[0],
            client_port=int(client[1] or 0),
            route=route,
            service=match.service,
            request_id=request_id,
        )
        ctx.upstream_path = match.upstream_path
        ctx.upstream_headers = upstream_request_headers(ctx, match.stripped_prefix)
        ctx.read_body = _body_reader(ctx, receive)
        plan = runtime.pipeline.plan(route)
        try:
            await runtime.pipeline.access(ctx, plan)
        except ExternalPluginError as error:
            log.error("plugin.failed", extra={"error": str(error), "route": route.name})
            ctx.error(500)
        if ctx.exit is not None:
            await self._send_exit(ctx, runtime, plan, send)
        else:
            await self._forward(ctx, runtime, plan, receive, send)
        if plan.log:
            runtime.spawn(runtime.pipeline.log_phase(ctx, plan))

    async def _send_exit(
        self, ctx: RequestContext, runtime: GatewayRuntime, plan: Any, send: Send
    ) -> None:
        assert ctx.exit is not None
        headers = Headers()
        ctx.apply_response_ops(headers)
        for name, _ in ctx.exit.headers.items():
            headers.remove(name)
        for name, value in ctx.exit.headers.items():
            headers.add(name, value)
        headers.set("Content-Length", str(len(ctx.exit.body)))
        runtime.pipeline.header_filter(ctx, plan, headers)
        latency = round((time.perf_counter() - ctx.started) * 1000)
        headers.set("X-Kong-Response-Latency", str(latency))
        await _send(send, ctx.exit.status, ctx.exit.body, headers.to_asgi())

    async def _forward(
        self, ctx: RequestContext, runtime: GatewayRuntime, plan: Any, receive: Receive, send: Send
    ) -> None:
        service = ctx.service
        try:
            data = await _request_body(ctx, receive, runtime.buffer_bytes)
        except BodyTooLarge:
            ctx.response_status = 413
            await _send(send, 413, kong_error_body(413, ctx.request_id), JSON_HEADERS)
            return
        url = URL.build(
            scheme=service.protocol,
            host=service.host,
            port=service.port,
            path=ctx.upstream_path,
            query_string=ctx.upstream_query,
            encoded=True,
        )
        sent = time.perf_counter()
        with tracer().start_as_current_span(
            f"{service.name} {ctx.upstream_method}",
            kind=SpanKind.CLIENT,
            attributes={"http.request.method": ctx.upstream_method, "server.address": service.host},
        ) as span:
            # Inside the upstream call's span: the service's server span is its child.
            for name, value in outbound_headers().items():
                ctx.upstream_headers.set(name, value)
            try:
                response = await runtime.send_upstream(
                    service, ctx.upstream_method, url, list(ctx.upstream_headers.items()), data
                )
            except (aiohttp.ServerTimeoutError, TimeoutError):
                self._observe(service.name, ctx.upstream_method, "timeout", sent)
                mark_failed(span, "the upstream did not answer in time")
                ctx.response_status = 504
                await _send(send, 504, kong_error_body(504, ctx.request_id), JSON_HEADERS)
                return
            except (aiohttp.ClientError, OSError) as error:
                self._observe(service.name, ctx.upstream_method, type(error).__name__, sent)
                log.warning(
                    "upstream.failed", extra={"service": service.name, "error": repr(error)}
                )
                mark_failed(span, type(error).__name__)
                ctx.response_status = 502
                await _send(send, 502, kong_error_body(502, ctx.request_id), JSON_HEADERS)
                return
            span.set_attribute("http.response.status_code", response.status)
        try:
            received = time.perf_counter()
            self._observe(service.name, ctx.upstream_method, str(response.status), sent)
            whole = None
            length = response.content_length
            if length is not None and length <= runtime.buffer_bytes:
                # A body of known, small length goes down in one write (a loopback send costs
                # its sender the receiver's work too), not one per piece as it arrived.
                try:
                    whole = await response.read()
                except (aiohttp.ClientError, OSError, TimeoutError) as error:
                    await self._body_failed(ctx, send, error)
                    return
            ctx.response_status, ctx.response_source = response.status, "service"
            headers = Headers()
            for raw_name, raw_value in response.raw_headers:
                name = raw_name.decode("latin-1")
                if name.lower() not in NOT_PASSED_DOWN:
                    headers.add(name, raw_value.decode("latin-1"))
            ctx.apply_response_ops(headers)
            runtime.pipeline.header_filter(ctx, plan, headers)
            headers.set("X-Kong-Upstream-Latency", str(round((received - sent) * 1000)))
            headers.set("X-Kong-Proxy-Latency", str(round((sent - ctx.started) * 1000)))
            headers.add("Via", VIA)
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": headers.to_asgi(),
                }
            )
            if whole is not None:
                await send({"type": "http.response.body", "body": whole, "more_body": False})
                return
            async for chunk in response.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            response.release()

    @staticmethod
    async def _body_failed(ctx: RequestContext, send: Send, error: BaseException) -> None:
        """The upstream sent its headers, then failed before the whole body: nothing has gone
        down yet, so the client gets Kong's 504 or 502."""
        timed_out = isinstance(error, (aiohttp.ServerTimeoutError, TimeoutError))
        status = 504 if timed_out else 502
        log.warning(
            "upstream.body_failed", extra={"service": ctx.service.name, "error": repr(error)}
        )
        ctx.response_status, ctx.response_source = status, "error"
        await _send(send, status, kong_error_body(status, ctx.request_id), JSON_HEADERS)

    @staticmethod
    def _observe(backend: str, method: str, outcome: str, started: float) -> None:
        calls, seconds = _backend_metrics(backend, method, outcome)
        calls.inc()
        seconds.observe(time.perf_counter() - started)


@functools.lru_cache(maxsize=1024)
def _backend_metrics(backend: str, method: str, outcome: str) -> tuple[Any, Any]:
    # Finding a labelled child takes a lock and a dictionary look-up of its label values each
    # time; the few combinations a gateway sees are kept.
    return BACKEND_CALLS.labels(backend, method, outcome), BACKEND_CALL_SECONDS.labels(
        backend, method
    )


def upstream_request_headers(ctx: RequestContext, stripped_prefix: str | None) -> Headers:
    """The client's headers as the upstream gets them: hop-by-hop removed, forwarding added."""
    headers = Headers(
        (name, value) for name, value in ctx.headers.items() if name not in HOP_BY_HOP
    )
    forwarded_for = ctx.headers.get("x-forwarded-for")
    headers.set(
        "X-Forwarded-For", f"{forwarded_for}, {ctx.client_ip}" if forwarded_for else ctx.client_ip
    )
    headers.set("X-Forwarded-Proto", ctx.scheme)
    headers.set("X-Forwarded-Host", ctx.host)
    headers.set("X-Forwarded-Port", str(ctx.port))
    headers.set("X-Forwarded-Path", ctx.path)
    if stripped_prefix:
        headers.set("X-Forwarded-Prefix", stripped_prefix)
    else:
        headers.remove("X-Forwarded-Prefix")
    headers.set("X-Real-IP", ctx.client_ip)
    if not ctx.route.preserve_host:
        service = ctx.service
        default_port = {"http": 80, "https": 443}.get(service.protocol)
        host = service.host if service.port == default_port else f"{service.host}:{service.port}"
        headers.set("Host", host)
    return headers


def _body_reader(ctx: RequestContext, receive: Receive) -> Any:
    async def read_body(limit: int) -> bytes | None:
        """The whole body if it is at most `limit` bytes (kept for the upstream), else None."""
        if ctx.body is not None:
            return ctx.body if len(ctx.body) <= limit else None
        chunks: list[bytes] = []
        size = 0
        async for chunk in _stream(receive):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        ctx.body = b"".join(chunks)
        return ctx.body

    return read_body


async def _request_body(
    ctx: RequestContext, receive: Receive, buffer_bytes: int
) -> bytes | AsyncIterator[bytes] | None:
    if ctx.body is not None:
        return ctx.body
    length = ctx.headers.get("content-length")
    if length is not None and length.strip().isdigit():
        size = int(length)
        if size == 0:
            return None
        if size <= buffer_bytes:
            body = await ctx.read_body(size)
            if body is None:
                raise BodyTooLarge
            return body
        return _stream(receive)
    if "transfer-encoding" in ctx.headers:
        return _stream(receive)
    return None


async def _stream(receive: Receive) -> AsyncIterator[bytes]:
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionResetError("the client went away")
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        more = message.get("more_body", False)


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    if not any(name == b"content-length" for name, _ in headers):
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
