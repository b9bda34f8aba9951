"""What the gateway's kong.yml says about partners: their plans, partner-quota's windows and
salesforce-budget-guard's thresholds, and a client of the Redis the gateway keeps them in."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import redis
import yaml
from redis.exceptions import RedisClusterException
from trivium_gateway.entities import consumer_id, consumer_label
from trivium_gateway.partner_policy import (
    DEFAULT_BUDGET_KEY,
    DEFAULT_QUOTA_KEY_PREFIX,
    Window,
    windows_of,
)
from trivium_gateway.plugin_support import plan_of

from trivium.redis_client import SyncRedis, close_sync_redis, create_sync_redis
from trivium_cli.client import OperatorError
from trivium_cli.settings import CliSettings

QUOTA_PLUGIN = "partner-quota"
BUDGET_GUARD_PLUGIN = "salesforce-budget-guard"
REDIS_ERRORS = (redis.RedisError, RedisClusterException)
REDIS_TIMEOUT_SECONDS = 5.0


class Partner(NamedTuple):
    """A consumer of kong.yml, with its quota windows as partner-quota counts them."""

    name: str
    consumer_id: str
    custom_id: str | None
    plan: str
    windows: tuple[Window, ...]
    key_prefix: str


@dataclass(frozen=True)
class BudgetGuard:
    """One salesforce-budget-guard configuration of kong.yml."""

    budget_key: str
    shed_below_percent: dict[str, float]
    max_age_seconds: float


def load_kong_config(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise OperatorError(f"cannot read the gateway's kong.yml at {path}: {error}") from error
    if not isinstance(document, dict):
        raise OperatorError(f"{path} is not a kong.yml document")
    return document


def plugin_configs(document: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """The configuration of every instance of plugin `name`, global, per service and per
    route, in the order kong.yml declares them."""
    services = document.get("services") or []
    routes = [route for service in services for route in service.get("routes") or []]
    scopes = [document, *services, *routes, *(document.get("routes") or [])]
    return [
        dict(plugin.get("config") or {})
        for scope in scopes
        for plugin in scope.get("plugins") or []
        if plugin.get("name") == name
    ]


def find_partner(document: Mapping[str, Any], wanted: str) -> Partner:
    """The consumer named `wanted` (username or custom_id) with its plan's quota windows."""
    quotas = plugin_configs(document, QUOTA_PLUGIN)
    if not quotas:
        raise OperatorError(f"kong.yml configures no {QUOTA_PLUGIN} plugin")
    # Every instance counts into the same keys; they differ only in what a request costs.
    quota = quotas[0]
    for consumer in document.get("consumers") or []:
        if wanted in (consumer.get("username"), consumer.get("custom_id")):
            plan = plan_of(consumer, default=quota["default_plan"]) or quota["default_plan"]
            if plan not in quota["plans"]:
                plan = quota["default_plan"]
            return Partner(
                name=consumer_label(consumer),
                consumer_id=consumer_id(consumer),
                custom_id=consumer.get("custom_id"),
                plan=plan,
                windows=windows_of(quota["plans"][plan]),
                key_prefix=quota.get("key_prefix", DEFAULT_QUOTA_KEY_PREFIX),
            )
    raise OperatorError(f"kong.yml has no consumer with the username or custom_id {wanted!r}")


def budget_guards(document: Mapping[str, Any]) -> list[BudgetGuard]:
    """Every distinct salesforce-budget-guard configuration."""
    guards = [
        BudgetGuard(
            budget_key=config.get("budget_key", DEFAULT_BUDGET_KEY),
            shed_below_percent={
                plan: float(value) for plan, value in config["shed_below_percent"].items()
            },
            max_age_seconds=float(config.get("max_age_seconds", 900)),
        )
        for config in plugin_configs(document, BUDGET_GUARD_PLUGIN)
    ]
    return [guard for index, guard in enumerate(guards) if guard not in guards[:index]]


@contextmanager
def gateway_redis(settings: CliSettings) -> Iterator[SyncRedis]:
    """A client of the gateway's Redis; a Redis error inside becomes an OperatorError."""
    url = settings.gateway_redis_url()
    if url is None:
        raise OperatorError(
            "no Redis URL: set TRIVIUM_CLI_REDIS_URL to the Redis the gateway uses (or start "
            "`make run`, which writes it down for the CLI)"
        )
    client = create_sync_redis(
        url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        yield client
    except REDIS_ERRORS as error:
        raise OperatorError(f"the gateway's Redis did not answer: {error}") from error
    finally:
        close_sync_redis(client)
