"""What Trivium's Python Kong plugins share: the consumer's plan, Redis clients, problem bodies,
and their decision counters.

Plugins run inside Kong's Python plugin server (or in-process in the local gateway), in worker
threads or greenlets, and call Redis synchronously: one pooled client per Redis URL per process.
Their counters live in `PLUGIN_REGISTRY`, not the process-wide registry: in the plugin server they
are exported on their own (a metrics port, or prometheus_client's multiprocess files that the
local gateway reads), and the plugin files import them from here because Kong's loader executes
a plugin file again each time it loads it, which would register a family twice.
"""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import Any, cast

import redis
from prometheus_client import CollectorRegistry, Counter
from redis.exceptions import RedisClusterException

from trivium.problems import PROBLEM_BASE_URI, problem_document
from trivium.redis_client import AsyncRedis, SyncRedis, create_redis, create_sync_redis
from trivium_gateway.loop_bridge import on_loop_bridge, wait_on_loop

PLAN_TAG_PREFIX = "plan-"
PROBLEM_CONTENT_TYPE = "application/problem+json"

PLUGIN_REGISTRY = CollectorRegistry(auto_describe=True)
QUOTA_DECISIONS = Counter(
    "trivium_gateway_quota_decisions_total",
    "Partner quota decisions by plan and outcome (allowed, limited, fail_open, fail_closed).",
    ["plan", "outcome"],
    registry=PLUGIN_REGISTRY,
)
BUDGET_GUARD_DECISIONS = Counter(
    "trivium_gateway_budget_guard_decisions_total",
    "Salesforce budget guard decisions by plan and outcome "
    "(passed, shed, unknown_budget, fail_open, fail_closed).",
    ["plan", "outcome"],
    registry=PLUGIN_REGISTRY,
)
AUTH_FAILURE_DECISIONS = Counter(
    "trivium_gateway_auth_failure_decisions_total",
    "Failed-authentication throttle decisions by outcome "
    "(passed, blocked, failure_recorded, fail_open, fail_closed).",
    ["outcome"],
    registry=PLUGIN_REGISTRY,
)

# What a plugin treats as its store being away: a cluster client reports a cluster it cannot
# reach (no node answers for the slot map) with RedisClusterException, which is no RedisError.
REDIS_ERRORS: tuple[type[Exception], ...] = (redis.RedisError, RedisClusterException)

# The schema fields of a plugin that keeps its state in Redis.
REDIS_STORE_SCHEMA = (
    {"redis_url": {"type": "string", "required": True, "default": "redis://127.0.0.1:6379/0",
                   "referenceable": True}},
    {"redis_timeout_ms": {"type": "integer", "required": True, "default": 250,
                          "between": [1, 60_000]}},
    {"fail_open": {"type": "boolean", "required": True, "default": True}},
)  # fmt: skip


@dataclass(frozen=True)
class RedisStoreConfig:
    """Where a plugin keeps its counts, and whether it lets requests through when Redis cannot
    answer."""

    fail_open: bool
    key_prefix: str
    redis_url: str
    redis_timeout_ms: int


def redis_store_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The `RedisStoreConfig` fields of a plugin's configuration."""
    return {field.name: config[field.name] for field in fields(RedisStoreConfig)}


_clients: dict[tuple[str, int], SyncRedis] = {}
_clients_lock = threading.Lock()
# What a Redis timeout on the in-process gateway's event loop allows for the loop's own delays.
LOOP_DELAY_ALLOWANCE_MS = 1000
# Set while the in-process runner creates plugin instances (`loop_redis_clients`).
_client_source: ContextVar[Callable[[str, int], SyncRedis] | None] = ContextVar(
    "plugin_redis_client_source", default=None
)


def plan_of(consumer: Mapping[str, Any] | None, *, default: str | None = None) -> str | None:
    """The plan a consumer is tagged with (`plan-gold` → `gold`), else `default`."""
    for tag in (consumer or {}).get("tags") or ():
        if (
            isinstance(tag, str)
            and tag.startswith(PLAN_TAG_PREFIX)
            and len(tag) > len(PLAN_TAG_PREFIX)
        ):
            return tag[len(PLAN_TAG_PREFIX) :]
    return default


def redis_client(url: str, *, timeout_ms: int) -> SyncRedis:
    """A pooled Redis client for `url` (a single server, or a Redis Cluster for a
    `redis+cluster://` URL), shared by every plugin instance of this process; in the local
    gateway's in-process mode, one that waits on the gateway's event loop (`LoopRedis`)."""
    source = _client_source.get()
    if source is not None:
        return source(url, timeout_ms)
    return _blocking_client(url, timeout_ms)


def _blocking_client(url: str, timeout_ms: int) -> SyncRedis:
    key = (url, timeout_ms)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = create_sync_redis(url, **_client_options(timeout_ms))
            _clients[key] = client
        return client


def _client_options(timeout_ms: int) -> dict[str, Any]:
    timeout = timeout_ms / 1000
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "health_check_interval": 30,
    }


class LoopRedis:
    """A plugin's Redis client when the plugin runs in the local gateway's process.

    Called from a phase the in-process runner runs on the event loop (`loop_bridge`), a command
    is awaited on an asyncio client there: the loop serves other requests meanwhile, and no
    worker thread is involved. Called anywhere else (a plugin's constructor, a phase on a worker
    thread) it blocks on the process's synchronous client. Same commands, same answers and the
    same exceptions (redis-py's) either way.

    The asyncio client's timeouts allow `LOOP_DELAY_ALLOWANCE_MS` more than the plugin's
    `redis_timeout_ms`: a timer on a busy event loop also counts the time the loop takes to get
    to an answer that arrived in time, and such an answer must not make the plugin fail open.
    """

    def __init__(self, blocking: SyncRedis, on_loop: AsyncRedis) -> None:
        self._blocking = blocking
        self._on_loop = on_loop

    def register_script(self, script: str) -> Callable[..., Any]:
        blocking = self._blocking.register_script(script)
        on_loop = self._on_loop.register_script(script)

        def run(keys: Any = None, args: Any = None) -> Any:
            if on_loop_bridge():
                return wait_on_loop(on_loop(keys=keys, args=args))
            return blocking(keys=keys, args=args)

        return run

    def __getattr__(self, name: str) -> Any:
        blocking = getattr(self._blocking, name)
        if not callable(blocking):
            return blocking

        def command(*args: Any, **kwargs: Any) -> Any:
            if not on_loop_bridge():
                return blocking(*args, **kwargs)
            answer = getattr(self._on_loop, name)(*args, **kwargs)
            return wait_on_loop(answer) if inspect.isawaitable(answer) else answer

        return command


@contextmanager
def loop_redis_clients(clients: dict[tuple[str, int], AsyncRedis]) -> Iterator[None]:
    """While plugin instances are created in this block, `redis_client` gives them `LoopRedis`
    clients; their asyncio clients are kept in `clients` (by URL and timeout) for the caller to
    close."""

    def source(url: str, timeout_ms: int) -> SyncRedis:
        key = (url, timeout_ms)
        if key not in clients:
            clients[key] = create_redis(
                url, **_client_options(timeout_ms + LOOP_DELAY_ALLOWANCE_MS)
            )
        # Duck-typed: plugins call the commands a synchronous client has.
        return cast(SyncRedis, LoopRedis(_blocking_client(url, timeout_ms), clients[key]))

    token = _client_source.set(source)
    try:
        yield
    finally:
        _client_source.reset(token)


def problem_json(
    *,
    slug: str,
    title: str,
    status: int,
    detail: str,
    instance: str | None,
    correlation_id: str | None,
    extensions: Mapping[str, Any] | None = None,
) -> str:
    """An RFC 9457 body in Trivium's shape, as the JSON text a plugin hands to Kong."""
    document = problem_document(
        type_uri=PROBLEM_BASE_URI + slug,
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        correlation_id=correlation_id,
        extensions=extensions,
    )
    return json.dumps(document, separators=(",", ":"))


def exit_store_unavailable(kong: Any, *, slug: str, title: str, detail: str) -> None:
    """Answer 503 (problem+json, `Retry-After: 1`): a plugin failing closed while its Redis
    store is away."""
    body = problem_json(
        slug=slug, title=title, status=503, detail=detail, instance=None, correlation_id=None
    )
    kong.response.exit(503, body, {"Content-Type": PROBLEM_CONTENT_TYPE, "Retry-After": "1"})
