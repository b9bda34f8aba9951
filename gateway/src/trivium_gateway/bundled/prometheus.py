"""prometheus: accepted with Kong's schema, and served by the gateway's own metrics.

Real Kong's plugin counts every request in its log phase and exports Kong's families
(`kong_http_requests_total`, `kong_request_latency_ms`, ...) on the status listener. The local
gateway measures every request anyway, whether kong.yml enables this plugin or not: its status
listener serves `trivium_http_requests_total` and `trivium_http_request_duration_seconds`
(service `gateway`, the kong.yml route) and `trivium_backend_calls_total` per upstream, the
families the dashboards and alert rules read. So an instance has no phase to run: the same
kong.yml loads here and in Kong, and each exports its own metrics on its status port.
"""

from __future__ import annotations

from trivium_gateway.bundled import BundledPlugin


class Prometheus(BundledPlugin):
    """Kong's prometheus plugin: nothing to do per request (see the module's docstring)."""
