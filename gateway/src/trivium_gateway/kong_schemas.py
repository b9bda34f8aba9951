"""Kong 3.9's schemas for the entities kong.yml declares and the bundled plugins it uses.

Transcribed from Kong's sources (kong/db/schema/entities/*.lua, kong/plugins/*/schema.lua) in
the schema language of `trivium_gateway.schema`, with each plugin's priority and the entity checks
Kong runs on top of field validation. Fields Kong has but kong.yml has no use for (TLS
certificates, stream routing, ...) are listed too, so that a valid file is never refused here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from trivium_gateway.schema import Fields

HTTP_METHODS_DEFAULT = [
    "GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT",
]  # fmt: skip
PROTOCOLS = ["http", "https", "grpc", "grpcs", "tcp", "tls", "udp", "tls_passthrough", "ws", "wss"]
HTTP_PROTOCOLS = ["grpc", "grpcs", "http", "https"]
TIMEOUT = {"type": "integer", "between": [0, 2**31 - 2]}
PORT = {"type": "integer", "between": [0, 65535]}
TAGS = {"type": "set", "elements": {"type": "string"}}
FOREIGN = {"type": "foreign"}

_TIMESTAMPS: Fields = ({"created_at": {"type": "integer"}}, {"updated_at": {"type": "integer"}})

SERVICE: Fields = (
    {"id": {"type": "string"}},
    *_TIMESTAMPS,
    {"name": {"type": "string"}},
    {"retries": {"type": "integer", "default": 5, "between": [0, 32767]}},
    {"protocol": {"type": "string", "default": "http", "one_of": PROTOCOLS}},
    {"host": {"type": "string"}},
    {"port": {**PORT, "default": 80}},
    {"path": {"type": "string", "starts_with": "/"}},
    {"connect_timeout": {**TIMEOUT, "default": 60000}},
    {"write_timeout": {**TIMEOUT, "default": 60000}},
    {"read_timeout": {**TIMEOUT, "default": 60000}},
    {"tags": TAGS},
    {"client_certificate": FOREIGN},
    {"tls_verify": {"type": "boolean"}},
    {"tls_verify_depth": {"type": "integer", "between": [0, 64]}},
    {"ca_certificates": {"type": "array", "elements": {"type": "string"}}},
    {"enabled": {"type": "boolean", "default": True}},
    {"url": {"type": "string"}},
)

ROUTE: Fields = (
    {"id": {"type": "string"}},
    *_TIMESTAMPS,
    {"name": {"type": "string"}},
    {"protocols": {"type": "set", "default": ["http", "https"], "elements": {"type": "string"}}},
    {"methods": {"type": "set", "elements": {"type": "string"}}},
    {"hosts": {"type": "array", "elements": {"type": "string"}}},
    {"paths": {"type": "array", "elements": {"type": "string"}}},
    {"headers": {"type": "map", "values": {"type": "array", "elements": {"type": "string"}}}},
    {"https_redirect_status_code": {"type": "integer", "default": 426}},
    {"regex_priority": {"type": "integer", "default": 0}},
    {"strip_path": {"type": "boolean", "default": True}},
    {"path_handling": {"type": "string", "default": "v0", "one_of": ["v0", "v1"]}},
    {"preserve_host": {"type": "boolean", "default": False}},
    {"request_buffering": {"type": "boolean", "default": True}},
    {"response_buffering": {"type": "boolean", "default": True}},
    {"snis": {"type": "set", "elements": {"type": "string"}}},
    {"sources": {"type": "set", "elements": {"type": "record", "fields": ()}}},
    {"destinations": {"type": "set", "elements": {"type": "record", "fields": ()}}},
    {"tags": TAGS},
    {"service": FOREIGN},
)

CONSUMER: Fields = (
    {"id": {"type": "string"}},
    *_TIMESTAMPS,
    {"username": {"type": "string"}},
    {"custom_id": {"type": "string"}},
    {"tags": TAGS},
)

KEYAUTH_CREDENTIAL: Fields = (
    {"id": {"type": "string"}},
    {"created_at": {"type": "integer"}},
    {"consumer": FOREIGN},
    {"key": {"type": "string", "required": True}},
    {"ttl": {"type": "integer"}},
    {"tags": TAGS},
)

JWT_ALGORITHMS = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
    "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA",
]  # fmt: skip

JWT_SECRET: Fields = (
    {"id": {"type": "string"}},
    {"created_at": {"type": "integer"}},
    {"consumer": FOREIGN},
    {"key": {"type": "string"}},
    {"secret": {"type": "string"}},
    {"rsa_public_key": {"type": "string"}},
    {"algorithm": {"type": "string", "default": "HS256", "one_of": JWT_ALGORITHMS}},
    {"tags": TAGS},
)

# The plugin's `config` is checked against that plugin's own schema, not listed here.
PLUGIN: Fields = (
    {"id": {"type": "string"}},
    *_TIMESTAMPS,
    {"name": {"type": "string", "required": True}},
    {"instance_name": {"type": "string"}},
    {"enabled": {"type": "boolean", "default": True}},
    {"protocols": {"type": "set", "elements": {"type": "string", "one_of": PROTOCOLS}}},
    {"tags": TAGS},
    {"route": FOREIGN},
    {"service": FOREIGN},
    {"consumer": FOREIGN},
    {"consumer_group": FOREIGN},
    {"ordering": {"type": "record", "fields": ()}},
)

REDIS: Mapping[str, Any] = {
    "type": "record",
    "fields": (
        {"host": {"type": "string"}},
        {"port": {**PORT, "default": 6379}},
        {"timeout": {**TIMEOUT, "default": 2000}},
        {"connect_timeout": {**TIMEOUT, "default": 2000}},
        {"send_timeout": {**TIMEOUT, "default": 2000}},
        {"read_timeout": {**TIMEOUT, "default": 2000}},
        {"username": {"type": "string"}},
        {"password": {"type": "string", "len_min": 0}},
        {"database": {"type": "integer", "default": 0}},
        {"ssl": {"type": "boolean", "default": False}},
        {"ssl_verify": {"type": "boolean", "default": False}},
        {"server_name": {"type": "string"}},
    ),
}

KEY_AUTH: Fields = (
    {"key_names": {"type": "array", "required": True, "default": ["apikey"],
                   "elements": {"type": "string"}}},
    {"hide_credentials": {"type": "boolean", "required": True, "default": False}},
    {"anonymous": {"type": "string"}},
    {"key_in_header": {"type": "boolean", "required": True, "default": True}},
    {"key_in_query": {"type": "boolean", "required": True, "default": True}},
    {"key_in_body": {"type": "boolean", "required": True, "default": False}},
    {"run_on_preflight": {"type": "boolean", "required": True, "default": True}},
    {"realm": {"type": "string"}},
)  # fmt: skip

JWT: Fields = (
    {"uri_param_names": {"type": "set", "default": ["jwt"], "elements": {"type": "string"}}},
    {"cookie_names": {"type": "set", "default": [], "elements": {"type": "string"}}},
    {"key_claim_name": {"type": "string", "default": "iss"}},
    {"secret_is_base64": {"type": "boolean", "required": True, "default": False}},
    {"claims_to_verify": {"type": "set", "elements": {"type": "string", "one_of": ["exp", "nbf"]}}},
    {"anonymous": {"type": "string"}},
    {"run_on_preflight": {"type": "boolean", "required": True, "default": True}},
    {"maximum_expiration": {"type": "number", "default": 0, "between": [0, 31536000]}},
    {"header_names": {"type": "set", "default": ["authorization"], "elements": {"type": "string"}}},
    {"realm": {"type": "string"}},
)

RATE_LIMITING: Fields = (
    *({period: {"type": "number", "gt": 0}} for period in
      ("second", "minute", "hour", "day", "month", "year")),
    {"limit_by": {"type": "string", "default": "consumer", "one_of": [
        "consumer", "credential", "ip", "service", "header", "path", "consumer-group"]}},
    {"header_name": {"type": "string"}},
    {"path": {"type": "string", "starts_with": "/"}},
    {"policy": {"type": "string", "default": "local", "one_of": ["local", "cluster", "redis"]}},
    {"fault_tolerant": {"type": "boolean", "required": True, "default": True}},
    {"redis": REDIS},
    {"hide_client_headers": {"type": "boolean", "required": True, "default": False}},
    {"error_code": {"type": "number", "default": 429, "gt": 0}},
    {"error_message": {"type": "string", "default": "API rate limit exceeded"}},
    {"sync_rate": {"type": "number", "required": True, "default": -1}},
)  # fmt: skip

CORRELATION_ID: Fields = (
    {"header_name": {"type": "string", "default": "Kong-Request-ID"}},
    {"generator": {"type": "string", "required": True, "default": "uuid#counter",
                   "one_of": ["uuid", "uuid#counter", "tracker"]}},
    {"echo_downstream": {"type": "boolean", "required": True, "default": False}},
)  # fmt: skip

REQUEST_SIZE_LIMITING: Fields = (
    {"allowed_payload_size": {"type": "integer", "default": 128}},
    {"size_unit": {"type": "string", "required": True, "default": "megabytes",
                   "one_of": ["megabytes", "kilobytes", "bytes"]}},
    {"require_content_length": {"type": "boolean", "required": True, "default": False}},
)  # fmt: skip

CORS: Fields = (
    {"origins": {"type": "array", "elements": {"type": "string"}}},
    {"headers": {"type": "array", "elements": {"type": "string"}}},
    {"exposed_headers": {"type": "array", "elements": {"type": "string"}}},
    {"methods": {"type": "array", "default": HTTP_METHODS_DEFAULT,
                 "elements": {"type": "string", "one_of": HTTP_METHODS_DEFAULT}}},
    {"max_age": {"type": "number"}},
    {"credentials": {"type": "boolean", "required": True, "default": False}},
    {"private_network": {"type": "boolean", "required": True, "default": False}},
    {"preflight_continue": {"type": "boolean", "required": True, "default": False}},
    {"allow_origin_absent": {"type": "boolean", "required": True, "default": True}},
)  # fmt: skip

# Kong's own metrics (kong_http_requests_total, kong_request_latency_ms, ...) on its status
# listener. Kong also checks that its nginx has the `prometheus_metrics` shared dict, which every
# Kong 3.x declares.
PROMETHEUS: Fields = (
    {"per_consumer": {"type": "boolean", "default": False}},
    {"status_code_metrics": {"type": "boolean", "default": False}},
    {"ai_metrics": {"type": "boolean", "default": False}},
    {"latency_metrics": {"type": "boolean", "default": False}},
    {"bandwidth_metrics": {"type": "boolean", "default": False}},
    {"upstream_health_metrics": {"type": "boolean", "default": False}},
)

# typedefs.queue: how Kong batches what a plugin sends (here the spans).
QUEUE: Mapping[str, Any] = {
    "type": "record",
    "fields": (
        {"max_batch_size": {"type": "integer", "default": 200, "between": [1, 1000000]}},
        {"max_coalescing_delay": {"type": "number", "default": 1, "between": [0, 3600]}},
        {"max_entries": {"type": "integer", "default": 10000, "between": [1, 1000000]}},
        {"max_bytes": {"type": "integer"}},
        {"max_retry_time": {"type": "number", "default": 60}},
        {"initial_retry_delay": {"type": "number", "default": 0.01, "between": [0.001, 1000000]}},
        {"max_retry_delay": {"type": "number", "default": 60, "between": [0.001, 1000000]}},
        {"concurrency_limit": {"type": "integer", "default": 1, "one_of": [-1, 1]}},
    ),
}
TRACE_FORMATS = ["w3c", "b3", "b3-single", "jaeger", "ot", "aws", "gcp", "datadog", "instana"]

# Kong's spans over OTLP/HTTP, with the trace context it extracts from and injects into requests.
OPENTELEMETRY: Fields = (
    {"traces_endpoint": {"type": "string"}},
    {"logs_endpoint": {"type": "string"}},
    {"headers": {"type": "map", "keys": {"type": "string"}, "values": {"type": "string"}}},
    {"resource_attributes": {"type": "map", "keys": {"type": "string"},
                             "values": {"type": "string"}}},
    {"queue": QUEUE},
    {"batch_span_count": {"type": "integer"}},
    {"batch_flush_delay": {"type": "integer"}},
    {"connect_timeout": {**TIMEOUT, "default": 1000}},
    {"send_timeout": {**TIMEOUT, "default": 5000}},
    {"read_timeout": {**TIMEOUT, "default": 5000}},
    {"http_response_header_for_traceid": {"type": "string"}},
    {"header_type": {"type": "string", "default": "preserve",
                     "one_of": ["preserve", "ignore", *TRACE_FORMATS[:-1]]}},
    {"sampling_rate": {"type": "number", "between": [0, 1]}},
    {"propagation": {"type": "record", "fields": (
        {"extract": {"type": "array", "elements": {"type": "string", "one_of": TRACE_FORMATS}}},
        {"clear": {"type": "array", "elements": {"type": "string"}}},
        {"inject": {"type": "array",
                    "elements": {"type": "string", "one_of": ["preserve", *TRACE_FORMATS]}}},
        {"default_format": {"type": "string", "required": True, "default": "w3c",
                            "one_of": TRACE_FORMATS}},
    )}},
)  # fmt: skip

EntityCheck = Callable[[Mapping[str, Any]], dict[str, str]]


def _check_rate_limiting(config: Mapping[str, Any]) -> dict[str, str]:
    periods = ("second", "minute", "hour", "day", "month", "year")
    errors: dict[str, str] = {}
    if all(config.get(period) is None for period in periods):
        errors["config"] = "at least one of these fields must be non-empty: " + ", ".join(
            f"'config.{period}'" for period in periods
        )
    limits = [(period, config[period]) for period in periods if config.get(period) is not None]
    for (lower, low), (upper, high) in itertools.pairwise(limits):
        if high < low:
            errors[f"config.{upper}"] = f"the limit for {upper} cannot be lower than for {lower}"
    if config.get("policy") == "redis" and not (config.get("redis") or {}).get("host"):
        errors["config.redis.host"] = "required field missing"
    if config.get("limit_by") == "header" and not config.get("header_name"):
        errors["config.header_name"] = "required field missing"
    return errors


def _check_jwt(config: Mapping[str, Any]) -> dict[str, str]:
    if (config.get("maximum_expiration") or 0) > 0 and "exp" not in (
        config.get("claims_to_verify") or []
    ):
        return {"config.claims_to_verify": "should contain 'exp'"}
    return {}


def _check_opentelemetry(config: Mapping[str, Any]) -> dict[str, str]:
    if not config.get("traces_endpoint") and not config.get("logs_endpoint"):
        return {
            "config": "at least one of these fields must be non-empty: "
            "'config.traces_endpoint', 'config.logs_endpoint'"
        }
    return {}


def _no_checks(config: Mapping[str, Any]) -> dict[str, str]:
    return {}


class BundledPlugin:
    """What Kong knows of one bundled plugin: its schema, priority and extra checks."""

    def __init__(self, *, fields: Fields, priority: int, check: EntityCheck = _no_checks) -> None:
        self.fields = fields
        self.priority = priority
        self.check = check


BUNDLED_PLUGINS: dict[str, BundledPlugin] = {
    "correlation-id": BundledPlugin(fields=CORRELATION_ID, priority=100001),
    "cors": BundledPlugin(fields=CORS, priority=2000),
    "jwt": BundledPlugin(fields=JWT, priority=1450, check=_check_jwt),
    "key-auth": BundledPlugin(fields=KEY_AUTH, priority=1250),
    "request-size-limiting": BundledPlugin(fields=REQUEST_SIZE_LIMITING, priority=951),
    "rate-limiting": BundledPlugin(fields=RATE_LIMITING, priority=910, check=_check_rate_limiting),
    "opentelemetry": BundledPlugin(fields=OPENTELEMETRY, priority=14, check=_check_opentelemetry),
    "prometheus": BundledPlugin(fields=PROMETHEUS, priority=13),
}
