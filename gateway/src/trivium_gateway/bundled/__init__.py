"""Kong's bundled plugins that kong.yml uses, reimplemented with Kong's semantics and headers.

They run natively in the gateway (as Kong's Lua plugins run natively in Kong): no PDK round trips.
`prometheus` and `opentelemetry` are the exceptions: accepted, with nothing to run, because the
gateway measures and traces every request itself (`bundled/prometheus.py`,
`bundled/opentelemetry.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from trivium.redis_client import AsyncRedis
from trivium_gateway.context import RequestContext
from trivium_gateway.entities import DeclarativeConfig, PluginInstance
from trivium_gateway.headers import Headers


@dataclass(frozen=True)
class BundledDeps:
    """What bundled plugins need besides their configuration."""

    config: DeclarativeConfig
    redis: AsyncRedis


class BundledPlugin:
    """One configured instance of a bundled plugin; subclasses override the phases they use."""

    has_access = False
    has_header_filter = False

    def __init__(self, instance: PluginInstance, deps: BundledDeps) -> None:
        self.instance = instance
        self.conf: dict[str, Any] = instance.config
        self.deps = deps

    @property
    def name(self) -> str:
        return self.instance.name

    async def access(self, ctx: RequestContext) -> None:
        """Kong's access phase."""

    def header_filter(self, ctx: RequestContext, headers: Headers) -> None:
        """Kong's header_filter phase: change the downstream response headers."""


PluginFactory = Callable[[PluginInstance, BundledDeps], BundledPlugin]


def bundled_factories() -> dict[str, PluginFactory]:
    """The bundled plugins by Kong name."""
    from trivium_gateway.bundled.auth import JwtAuth, KeyAuth
    from trivium_gateway.bundled.opentelemetry import OpenTelemetry
    from trivium_gateway.bundled.prometheus import Prometheus
    from trivium_gateway.bundled.rate_limiting import RateLimiting
    from trivium_gateway.bundled.traffic import CorrelationId, Cors, RequestSizeLimiting

    return {
        "correlation-id": CorrelationId,
        "cors": Cors,
        "jwt": JwtAuth,
        "key-auth": KeyAuth,
        "opentelemetry": OpenTelemetry,
        "prometheus": Prometheus,
        "rate-limiting": RateLimiting,
        "request-size-limiting": RequestSizeLimiting,
    }
