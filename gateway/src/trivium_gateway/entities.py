"""The entities of a loaded kong.yml: services, routes, consumers, credentials, plugins."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trivium_gateway.kong_schemas import EntityCheck
from trivium_gateway.schema import Fields

_ID_NAMESPACE = uuid.UUID("6c0e3d5e-8f0a-4c7c-9a55-7d7c2b8e1a01")


@dataclass(frozen=True)
class PluginSpec:
    """What the loader needs to know about an available plugin."""

    name: str
    fields: Fields
    priority: int
    check: EntityCheck | None = None
    external: bool = False


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    protocol: str
    host: str
    port: int
    path: str | None
    retries: int
    connect_timeout_ms: int
    read_timeout_ms: int
    write_timeout_ms: int
    entity: dict[str, Any]

    @property
    def base_url(self) -> str:
        """`scheme://host:port` of the upstream."""
        return f"{self.protocol}://{self.host}:{self.port}"


@dataclass(frozen=True)
class Route:
    id: str
    name: str
    service_id: str
    protocols: frozenset[str]
    methods: frozenset[str] | None
    hosts: tuple[str, ...]
    paths: tuple[str, ...]
    strip_path: bool
    preserve_host: bool
    path_handling: str
    regex_priority: int
    entity: dict[str, Any]


@dataclass(frozen=True)
class Consumer:
    id: str
    username: str | None
    custom_id: str | None
    tags: tuple[str, ...]
    entity: dict[str, Any]


@dataclass(frozen=True)
class Credential:
    """A key-auth key or a jwt secret, with the entity the PDK hands to plugins."""

    id: str
    consumer_id: str
    key: str
    entity: dict[str, Any]


@dataclass(frozen=True)
class PluginInstance:
    id: str
    name: str
    config: dict[str, Any]
    priority: int
    external: bool
    service_id: str | None = None
    route_id: str | None = None
    consumer_id: str | None = None
    protocols: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DeclarativeConfig:
    services: dict[str, Service]
    routes: tuple[Route, ...]
    consumers: dict[str, Consumer]
    keyauth_credentials: dict[str, Credential]
    jwt_secrets: dict[str, Credential]
    plugins: tuple[PluginInstance, ...]
    by_name: dict[str, dict[str, str]] = field(default_factory=dict)


def stable_id(kind: str, name: str) -> str:
    """The id Kong-like loaders give an entity declared without one."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{kind}:{name}"))


def consumer_label(entity: Mapping[str, Any]) -> str:
    """How kong.yml names a consumer: its username, else its custom_id."""
    return str(entity.get("username") or entity.get("custom_id"))


def consumer_id(entity: Mapping[str, Any]) -> str:
    """A declared consumer's id: its own, else the one this gateway gives it (plugins key
    what they store per consumer by it)."""
    return str(entity.get("id") or stable_id("consumer", consumer_label(entity)))
