"""Kong's PDK as external plugins see it: one function per PDK method, over a RequestContext.

Both plugin modes call this table: the plugin-server bridge for each RPC the plugin server sends,
the in-process channel for each call a plugin makes directly. So a plugin gets the same answers,
with the same shapes Kong gives (entities as tables, header multimaps as lists), either way.
Methods the local gateway does not implement answer an error, which the plugin sees as a
PDKException, as it would for a failing PDK call under Kong.
"""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from trivium_gateway.context import RequestContext, header_text
from trivium_gateway.entities import DeclarativeConfig
from trivium_gateway.metrics import PDK_CALLS

PdkMethod = Callable[..., Any]
# Headers Kong adds for the upstream only (proxy_set_header): the PDK reads the client's.
CLIENT_VIEW_HEADERS = frozenset(
    {
        "host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port",
        "x-forwarded-path", "x-forwarded-prefix", "x-real-ip",
    }
)  # fmt: skip
TERMINAL_METHODS = frozenset({"kong.response.exit", "kong.response.error"})
_LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "notice": logging.INFO,
    "warn": logging.WARNING,
    "err": logging.ERROR,
    "crit": logging.CRITICAL,
    "alert": logging.CRITICAL,
    "emerg": logging.CRITICAL,
}


class PdkError(Exception):
    """A PDK call that Kong would answer with an error."""


class Pdk:
    """The PDK methods external plugins may call, bound to the gateway's configuration."""

    def __init__(self, config: DeclarativeConfig, *, node_id: str | None = None) -> None:
        self.config = config
        self.node_id = node_id or str(uuid.uuid4())
        self.methods: dict[str, PdkMethod] = _method_table(self)
        self._counters: dict[str, Any] = {}

    def call(
        self, ctx: RequestContext, plugin: str, method: str, args: Any
    ) -> tuple[Any, str | None]:
        """Run one PDK call for `plugin`: (result, None) or (None, error message)."""
        ctx.pdk_calls += 1
        counter = self._counters.get(plugin)
        if counter is None:
            counter = self._counters[plugin] = PDK_CALLS.labels(plugin)
        counter.inc()
        if method.startswith("kong.log."):
            self.log(plugin, method.rpartition(".")[2], args)
            return None, None
        function = self.methods.get(method)
        if function is None:
            return None, f"{method} is not available in the local gateway"
        try:
            return function(ctx, *(args or ())), None
        except (PdkError, TypeError, ValueError, KeyError) as error:
            return None, f"{method}: {error}"

    def log(self, plugin: str, level: str, args: Any) -> None:
        message = "".join(str(part) for part in args or ())
        logging.getLogger(f"trivium_gateway.plugins.{plugin}").log(
            _LOG_LEVELS.get(level, logging.INFO), "plugin.log", extra={"plugin_message": message}
        )

    # kong.client
    def get_consumer(self, ctx: RequestContext) -> dict[str, Any] | None:
        return dict(ctx.consumer.entity) if ctx.consumer else None

    def get_credential(self, ctx: RequestContext) -> dict[str, Any] | None:
        return dict(ctx.credential.entity) if ctx.credential else None

    def load_consumer(
        self, ctx: RequestContext, consumer_id: str, by_username: bool = False
    ) -> dict[str, Any] | None:
        consumer = self.config.consumers.get(consumer_id)
        if consumer is None and by_username:
            consumer = next(
                (c for c in self.config.consumers.values() if c.username == consumer_id), None
            )
        return dict(consumer.entity) if consumer else None

    def authenticate(
        self, ctx: RequestContext, consumer: Mapping[str, Any] | None, credential: Any = None
    ) -> None:
        if not consumer and not credential:
            raise PdkError("either credential or consumer must be provided")
        found = self.config.consumers.get(str((consumer or {}).get("id")))
        if consumer and found is None:
            raise PdkError("unknown consumer")
        ctx.consumer = found
        ctx.credential = None

    # kong.request
    def get_query(self, ctx: RequestContext, max_args: int = 100) -> dict[str, list[Any]]:
        query: dict[str, list[Any]] = {}
        for name, value in parse_qsl(ctx.query, keep_blank_values=True)[:max_args]:
            query.setdefault(name, []).append(value)
        return query

    def get_query_arg(self, ctx: RequestContext, name: str) -> Any:
        values = self.get_query(ctx).get(name)
        return values[0] if values else None

    # kong.service.request
    def set_upstream_header(self, ctx: RequestContext, name: str, value: Any) -> None:
        ctx.upstream_headers.set(name, header_text(value))

    def add_upstream_header(self, ctx: RequestContext, name: str, value: Any) -> None:
        ctx.upstream_headers.add(name, header_text(value))

    def set_upstream_headers(self, ctx: RequestContext, headers: Mapping[str, Any]) -> None:
        for name, value in headers.items():
            ctx.upstream_headers.remove(name)
            for item in value if isinstance(value, list) else [value]:
                ctx.upstream_headers.add(name, header_text(item))

    def set_upstream_query(self, ctx: RequestContext, query: Mapping[str, Any]) -> None:
        pairs = [
            (name, header_text(item))
            for name, value in query.items()
            for item in (value if isinstance(value, list) else [value])
        ]
        ctx.upstream_query = urlencode(pairs)

    def set_upstream_path(self, ctx: RequestContext, path: str) -> None:
        if not path.startswith("/"):
            raise PdkError("path must start with /")
        ctx.upstream_path = path

    # kong.response
    def set_response_headers(self, ctx: RequestContext, headers: Mapping[str, Any]) -> None:
        for name, value in headers.items():
            ctx.clear_response_header(name)
            for item in value if isinstance(value, list) else [value]:
                ctx.add_response_header(name, header_text(item))


def request_header(ctx: RequestContext, name: str) -> str | None:
    """A request header as plugins see it in Kong: with the changes earlier plugins made
    (correlation-id's id, key-auth's hidden key), but the client's Host and forwarding headers."""
    if name.lower() in CLIENT_VIEW_HEADERS:
        return ctx.headers.get(name)
    return ctx.upstream_headers.get(name)


def request_headers(ctx: RequestContext, *_: Any) -> dict[str, list[str]]:
    """Every request header as plugins see it in Kong (see `request_header`)."""
    headers = ctx.upstream_headers.multimap()
    for name in CLIENT_VIEW_HEADERS:
        values = ctx.headers.get_all(name)
        if values:
            headers[name] = values
        else:
            headers.pop(name, None)
    return headers


def _entity(value: dict[str, Any]) -> dict[str, Any]:
    return dict(value)


def _method_table(pdk: Pdk) -> dict[str, PdkMethod]:
    hostname = socket.gethostname()
    return {
        "kong.client.get_ip": lambda ctx: ctx.client_ip,
        "kong.client.get_forwarded_ip": lambda ctx: ctx.client_ip,
        "kong.client.get_port": lambda ctx: ctx.client_port,
        "kong.client.get_forwarded_port": lambda ctx: ctx.port,
        "kong.client.get_protocol": lambda ctx, *_: ctx.scheme,
        "kong.client.get_consumer": pdk.get_consumer,
        "kong.client.get_credential": pdk.get_credential,
        "kong.client.load_consumer": pdk.load_consumer,
        "kong.client.authenticate": pdk.authenticate,
        "kong.client.get_consumer_groups": lambda ctx: None,
        "kong.request.get_scheme": lambda ctx: ctx.scheme,
        "kong.request.get_host": lambda ctx: ctx.host,
        "kong.request.get_port": lambda ctx: ctx.port,
        "kong.request.get_forwarded_scheme": lambda ctx: ctx.scheme,
        "kong.request.get_forwarded_host": lambda ctx: ctx.host,
        "kong.request.get_forwarded_port": lambda ctx: ctx.port,
        "kong.request.get_forwarded_path": lambda ctx: ctx.path,
        "kong.request.get_forwarded_prefix": lambda ctx: None,
        "kong.request.get_http_version": lambda ctx: 1.1,
        "kong.request.get_method": lambda ctx: ctx.method,
        "kong.request.get_path": lambda ctx: ctx.path,
        "kong.request.get_raw_path": lambda ctx: ctx.raw_path,
        "kong.request.get_path_with_query": lambda ctx: (
            f"{ctx.path}?{ctx.query}" if ctx.query else ctx.path
        ),
        "kong.request.get_raw_query": lambda ctx: ctx.query,
        "kong.request.get_query_arg": pdk.get_query_arg,
        "kong.request.get_query": pdk.get_query,
        "kong.request.get_header": request_header,
        "kong.request.get_headers": request_headers,
        "kong.request.get_raw_body": lambda ctx: ctx.body,
        "kong.request.get_start_time": lambda ctx: int(
            (time.time() - (time.perf_counter() - ctx.started)) * 1000
        ),
        "kong.router.get_route": lambda ctx: _entity(ctx.route.entity),
        "kong.router.get_service": lambda ctx: _entity(ctx.service.entity),
        "kong.service.request.set_header": pdk.set_upstream_header,
        "kong.service.request.add_header": pdk.add_upstream_header,
        "kong.service.request.clear_header": lambda ctx, name: ctx.upstream_headers.remove(name),
        "kong.service.request.set_headers": pdk.set_upstream_headers,
        "kong.service.request.set_path": pdk.set_upstream_path,
        "kong.service.request.set_raw_query": lambda ctx, query: setattr(
            ctx, "upstream_query", query
        ),
        "kong.service.request.set_query": pdk.set_upstream_query,
        "kong.service.request.set_method": lambda ctx, method: setattr(
            ctx, "upstream_method", method.upper()
        ),
        "kong.response.get_status": lambda ctx: ctx.response_status,
        "kong.response.get_source": lambda ctx: ctx.response_source,
        "kong.response.set_header": lambda ctx, name, value: ctx.set_response_header(
            name, header_text(value)
        ),
        "kong.response.add_header": lambda ctx, name, value: ctx.add_response_header(
            name, header_text(value)
        ),
        "kong.response.clear_header": lambda ctx, name: ctx.clear_response_header(name),
        "kong.response.set_headers": pdk.set_response_headers,
        "kong.response.exit": lambda ctx, status, body=None, headers=None: ctx.exit_with(
            int(status), body, headers
        ),
        "kong.response.error": lambda ctx, status, message=None, headers=None: ctx.error(
            int(status), message, headers
        ),
        "kong.ctx.shared.get": lambda ctx, key: ctx.shared.get(key),
        "kong.ctx.shared.set": lambda ctx, key, value: ctx.shared.__setitem__(key, value),
        "kong.node.get_id": lambda ctx: pdk.node_id,
        "kong.node.get_hostname": lambda ctx: hostname,
        "kong.nginx.get_subsystem": lambda ctx: "http",
        "kong.ip.is_trusted": lambda ctx, address: False,
    }
