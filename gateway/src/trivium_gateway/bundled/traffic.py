"""correlation-id, request-size-limiting and cors, as Kong 3.9 runs them."""

from __future__ import annotations

import itertools
import re
import uuid
from functools import lru_cache
from urllib.parse import urlsplit

from trivium.correlation import CORRELATION_HEADER
from trivium_gateway.bundled import BundledDeps, BundledPlugin
from trivium_gateway.context import RequestContext
from trivium_gateway.entities import PluginInstance
from trivium_gateway.headers import Headers

HeaderOp = tuple[str, str, str | None]
SIZE_UNITS = {"bytes": 1, "kilobytes": 1024, "megabytes": 1024 * 1024}
_PLAIN_ORIGIN = re.compile(r"^[A-Za-z0-9.:/-]+$")
_counter = itertools.count(1)


class CorrelationId(BundledPlugin):
    """Keeps the client's id or makes one, sends it upstream, and echoes it if asked.

    With Trivium's header (X-Correlation-ID) the id is the one the gateway's request context
    accepted or created, so logs, metrics and every downstream service share it; that context
    already answers with the header, so it is not echoed twice.
    """

    has_access = True
    has_header_filter = True

    def __init__(self, instance: PluginInstance, deps: BundledDeps) -> None:
        super().__init__(instance, deps)
        self.header: str = self.conf["header_name"]
        self.is_trivium_header = self.header.lower() == CORRELATION_HEADER

    def _generate(self) -> str:
        generator = self.conf["generator"]
        if generator == "uuid#counter":
            return f"{uuid.uuid4()}#{next(_counter)}"
        return str(uuid.uuid4())

    async def access(self, ctx: RequestContext) -> None:
        if self.is_trivium_header:
            value = ctx.request_id
        else:
            value = ctx.headers.get(self.header) or self._generate()
        ctx.upstream_headers.set(self.header, value)
        ctx.plugin_data[self.instance.id] = {"id": value}

    def header_filter(self, ctx: RequestContext, headers: Headers) -> None:
        if not self.conf["echo_downstream"] or self.is_trivium_header:
            return
        state = ctx.plugin_data.get(self.instance.id)
        if state:
            headers.set(self.header, state["id"])


class RequestSizeLimiting(BundledPlugin):
    """413 (417 after `Expect: 100-continue`) for bodies over the allowed size.

    An announced Content-Length is judged before any of the body is read. Without one (chunked),
    Kong reads the body to measure it; here reading stops at the first chunk past the limit, so a
    client streaming without end is refused after `limit` bytes, never buffered whole.
    """

    has_access = True

    def __init__(self, instance: PluginInstance, deps: BundledDeps) -> None:
        super().__init__(instance, deps)
        self.limit = int(self.conf["allowed_payload_size"]) * SIZE_UNITS[self.conf["size_unit"]]

    async def access(self, ctx: RequestContext) -> None:
        length = ctx.headers.get("content-length")
        if length is not None and length.strip().isdigit():
            if int(length) > self.limit:
                self._refuse(ctx)
            return
        if self.conf["require_content_length"]:
            ctx.error(411, "A valid Content-Length header is required")
            return
        if "transfer-encoding" in ctx.headers and await ctx.read_body(self.limit) is None:
            self._refuse(ctx)

    @staticmethod
    def _refuse(ctx: RequestContext) -> None:
        expect = (ctx.headers.get("expect") or "").lower()
        ctx.error(417 if expect == "100-continue" else 413, "Request size limit exceeded")


class Cors(BundledPlugin):
    """Answers preflight requests and adds the CORS headers to every other answer."""

    has_access = True
    has_header_filter = True

    def __init__(self, instance: PluginInstance, deps: BundledDeps) -> None:
        super().__init__(instance, deps)
        self.origins: list[str] = self.conf["origins"] or []
        self.patterns = [_origin_pattern(entry) for entry in self.origins]

    async def access(self, ctx: RequestContext) -> None:
        origin = ctx.headers.get("origin")
        if (
            ctx.method != "OPTIONS"
            or not origin
            or "access-control-request-method" not in ctx.headers
        ):
            return
        # Preflight: answered here, or by the upstream; either way no headers are added later.
        ctx.plugin_data[self.instance.id] = {"skip": True}
        if self.conf["preflight_continue"]:
            return
        ops = self._origin_ops(origin, in_header_filter=False)
        requested = ctx.headers.get("access-control-request-headers")
        if self.conf["headers"]:
            ops.append(("set", "Access-Control-Allow-Headers", ",".join(self.conf["headers"])))
        elif requested:
            ops.append(("set", "Access-Control-Allow-Headers", requested))
        else:
            ops.append(("clear", "Access-Control-Allow-Headers", None))
        ops.append(("set", "Access-Control-Allow-Methods", ",".join(self.conf["methods"])))
        if self.conf["max_age"] is not None:
            ops.append(("set", "Access-Control-Max-Age", str(int(self.conf["max_age"]))))
        private = ctx.headers.get("access-control-request-private-network")
        if self.conf["private_network"] and private == "true":
            ops.append(("set", "Access-Control-Allow-Private-Network", "true"))
        ctx.response_ops.extend(ops)
        ctx.exit_with(200)

    def header_filter(self, ctx: RequestContext, headers: Headers) -> None:
        if ctx.plugin_data.get(self.instance.id, {}).get("skip"):
            return
        origin = ctx.headers.get("origin")
        if not origin and not self.conf["allow_origin_absent"]:
            return
        for op, name, value in self._origin_ops(origin, in_header_filter=True):
            _apply(headers, op, name, value)
        if self.conf["exposed_headers"]:
            headers.set("Access-Control-Expose-Headers", ",".join(self.conf["exposed_headers"]))

    def _origin_ops(self, origin: str | None, *, in_header_filter: bool) -> list[HeaderOp]:
        vary: HeaderOp = ("add" if in_header_filter else "set", "Vary", "Origin")
        ops: list[HeaderOp] = []
        allow_all = False
        if not self.origins or self.origins == ["*"]:
            ops.append(("set", "Access-Control-Allow-Origin", "*"))
            allow_all = True
        else:
            ops.append(vary)
            if len(self.origins) == 1 and _PLAIN_ORIGIN.match(self.origins[0]):
                ops.append(("set", "Access-Control-Allow-Origin", self.origins[0]))
            else:
                allowed = self._allowed_origin(origin)
                if allowed == "*":
                    ops.append(("set", "Access-Control-Allow-Origin", "*"))
                    allow_all = True
                elif allowed:
                    ops.append(("set", "Access-Control-Allow-Origin", allowed))
                else:
                    ops.append(("clear", "Access-Control-Allow-Origin", None))
        if self.conf["credentials"]:
            if not allow_all:
                ops.append(("set", "Access-Control-Allow-Credentials", "true"))
            elif origin:
                # ACAO cannot be '*' together with credentials: name the origin instead.
                ops += [vary, ("set", "Access-Control-Allow-Origin", origin)]
                ops.append(("set", "Access-Control-Allow-Credentials", "true"))
        return ops

    def _allowed_origin(self, origin: str | None) -> str | None:
        if not origin:
            return None
        domain, host = normalize_origin(origin)
        for entry, pattern in zip(self.origins, self.patterns, strict=True):
            if entry == "*":
                return "*"
            if pattern is None:
                if normalize_origin(entry)[0] == domain:
                    return domain
            elif pattern.match(host if ":" not in entry else domain):
                return domain
        return None


@lru_cache(maxsize=1024)
def normalize_origin(origin: str) -> tuple[str, str]:
    """(scheme://host[:port] without default ports, host), as Kong compares origins."""
    parts = urlsplit(origin)
    if not parts.hostname:
        return origin, origin
    port = parts.port
    if (parts.scheme, port) in (("http", 80), ("https", 443)):
        port = None
    domain = f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
    return domain, parts.hostname


def _origin_pattern(entry: str) -> re.Pattern[str] | None:
    if entry == "*" or _PLAIN_ORIGIN.match(entry):
        return None
    # Kong anchors regex origins at both ends.
    body = entry[1:] if entry.startswith("^") else entry
    body = body if body.endswith("$") else body + "$"
    return re.compile(body)


def _apply(headers: Headers, op: str, name: str, value: str | None) -> None:
    if op == "clear" or value is None:
        headers.remove(name)
    elif op == "add":
        headers.add(name, value)
    else:
        headers.set(name, value)
