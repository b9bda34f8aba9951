"""kong.yml: Kong's declarative (DB-less) format, parsed and checked the way Kong loads it.

Entities are validated against Kong's schemas (`kong_schemas`), nested entities are linked to
their parent, every plugin's configuration is validated against that plugin's schema with its
defaults filled in, and `{vault://env/...}` references are resolved as Kong's env vault does.
Entities without an `id` get a stable one derived from their name, so that counters keyed by
ids (rate limits) survive a restart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from trivium_gateway.entities import (
    Consumer,
    Credential,
    DeclarativeConfig,
    PluginInstance,
    PluginSpec,
    Route,
    Service,
    consumer_id,
    consumer_label,
    stable_id,
)
from trivium_gateway.kong_schemas import (
    CONSUMER,
    JWT_SECRET,
    KEYAUTH_CREDENTIAL,
    PLUGIN,
    ROUTE,
    SERVICE,
)
from trivium_gateway.schema import Fields, SchemaError, validate_record

FORMAT_VERSIONS = frozenset({"3.0"})
TOP_LEVEL_KEYS = frozenset(
    {"_format_version", "_transform", "_info", "services", "routes", "consumers", "plugins"}
)
_VAULT_REFERENCE = re.compile(r"^\{vault://env/([A-Za-z0-9_\-]+)\}$")
DEFAULT_PORTS = {"http": 80, "https": 443, "grpc": 80, "grpcs": 443}


class DeclarativeError(ValueError):
    """kong.yml cannot be loaded; the message names the entity and field."""


def env_vault(environment: Mapping[str, str]) -> Callable[[str], str]:
    """Resolve `{vault://env/some-name}` from SOME_NAME, as Kong's env vault does."""

    def resolve(reference: str) -> str:
        match = _VAULT_REFERENCE.match(reference)
        if match is None:
            raise DeclarativeError(f"unsupported vault reference {reference!r} (only env)")
        variable = match.group(1).upper().replace("-", "_")
        if variable not in environment:
            raise DeclarativeError(f"vault reference {reference!r}: {variable} is not set")
        return environment[variable]

    return resolve


def load_declarative(
    path: Path, *, plugins: Mapping[str, PluginSpec], resolve: Callable[[str], str]
) -> DeclarativeConfig:
    """Read and check a kong.yml file."""
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise DeclarativeError(f"{path}: {error}") from error
    return parse_declarative(document, plugins=plugins, resolve=resolve)


def parse_declarative(
    document: object, *, plugins: Mapping[str, PluginSpec], resolve: Callable[[str], str]
) -> DeclarativeConfig:
    """Check a parsed kong.yml document and link its entities."""
    if not isinstance(document, Mapping):
        raise DeclarativeError("kong.yml must be a mapping")
    if str(document.get("_format_version")) not in FORMAT_VERSIONS:
        raise DeclarativeError('_format_version must be "3.0"')
    unknown = set(document) - TOP_LEVEL_KEYS
    if unknown:
        raise DeclarativeError(f"unsupported top-level keys: {', '.join(sorted(unknown))}")
    loader = _Loader(plugins, resolve)
    for service in document.get("services") or []:
        loader.add_service(service)
    for route in document.get("routes") or []:
        loader.add_route(route, service_id=None)
    for consumer in document.get("consumers") or []:
        loader.add_consumer(consumer)
    for plugin in document.get("plugins") or []:
        loader.add_plugin(plugin, scope={})
    return loader.finish()


class _Loader:
    def __init__(self, plugins: Mapping[str, PluginSpec], resolve: Callable[[str], str]) -> None:
        self.specs = plugins
        self.resolve = resolve
        self.services: dict[str, Service] = {}
        self.routes: list[Route] = []
        self.consumers: dict[str, Consumer] = {}
        self.keyauth: dict[str, Credential] = {}
        self.jwt: dict[str, Credential] = {}
        self.plugins: list[PluginInstance] = []
        self.names: dict[str, dict[str, str]] = {"services": {}, "routes": {}, "consumers": {}}
        self.pending_plugins: list[tuple[Mapping[str, Any], dict[str, str]]] = []

    def add_service(self, raw: Mapping[str, Any]) -> None:
        entity = _validate("service", SERVICE, _without(raw, "routes", "plugins"))
        if entity["url"]:
            if entity["host"]:
                raise DeclarativeError(f"service {entity['name']}: url and host are exclusive")
            entity.update(_split_url(entity["url"], entity["name"]))
        if not entity["host"]:
            raise DeclarativeError(f"service {entity['name']}: host (or url) is required")
        entity["id"] = entity["id"] or stable_id("service", _required_name(entity, "service"))
        self._name("services", entity["name"], entity["id"])
        self.services[entity["id"]] = Service(
            id=entity["id"],
            name=entity["name"],
            protocol=entity["protocol"],
            host=entity["host"],
            port=entity["port"],
            path=entity["path"],
            retries=entity["retries"],
            connect_timeout_ms=entity["connect_timeout"],
            read_timeout_ms=entity["read_timeout"],
            write_timeout_ms=entity["write_timeout"],
            entity={k: v for k, v in entity.items() if k != "url"},
        )
        for route in raw.get("routes") or []:
            self.add_route(route, service_id=entity["id"])
        for plugin in raw.get("plugins") or []:
            self.add_plugin(plugin, scope={"service": entity["id"]})

    def add_route(self, raw: Mapping[str, Any], *, service_id: str | None) -> None:
        entity = _validate("route", ROUTE, _without(raw, "plugins"))
        name = _required_name(entity, "route")
        service_id = service_id or self._reference("services", entity["service"], name)
        if not (entity["paths"] or entity["hosts"] or entity["methods"] or entity["headers"]):
            raise DeclarativeError(f"route {name}: must set one of methods, hosts, headers, paths")
        for path in entity["paths"] or []:
            _check_router_path(path, name)
        entity["id"] = entity["id"] or stable_id("route", name)
        entity["service"] = {"id": service_id}
        self._name("routes", name, entity["id"])
        methods = entity["methods"]
        self.routes.append(
            Route(
                id=entity["id"],
                name=name,
                service_id=service_id,
                protocols=frozenset(entity["protocols"]),
                methods=frozenset(method.upper() for method in methods) if methods else None,
                hosts=tuple(host.lower() for host in entity["hosts"] or ()),
                paths=tuple(entity["paths"] or ()),
                strip_path=entity["strip_path"],
                preserve_host=entity["preserve_host"],
                path_handling=entity["path_handling"],
                regex_priority=entity["regex_priority"],
                entity=entity,
            )
        )
        for plugin in raw.get("plugins") or []:
            self.add_plugin(plugin, scope={"route": entity["id"]})

    def add_consumer(self, raw: Mapping[str, Any]) -> None:
        entity = _validate(
            "consumer", CONSUMER, _without(raw, "keyauth_credentials", "jwt_secrets", "plugins")
        )
        if not (entity["username"] or entity["custom_id"]):
            raise DeclarativeError("consumer: at least one of username, custom_id is required")
        label = consumer_label(entity)
        entity["id"] = consumer_id(entity)
        self._name("consumers", label, entity["id"])
        consumer = Consumer(
            id=entity["id"],
            username=entity["username"],
            custom_id=entity["custom_id"],
            tags=tuple(entity["tags"] or ()),
            entity=entity,
        )
        self.consumers[consumer.id] = consumer
        for raw_key in raw.get("keyauth_credentials") or []:
            self._add_credential(
                self.keyauth, "keyauth_credential", KEYAUTH_CREDENTIAL, raw_key, consumer
            )
        for raw_secret in raw.get("jwt_secrets") or []:
            self._add_credential(self.jwt, "jwt_secret", JWT_SECRET, raw_secret, consumer)
        for plugin in raw.get("plugins") or []:
            self.add_plugin(plugin, scope={"consumer": consumer.id})

    def _add_credential(
        self,
        store: dict[str, Credential],
        kind: str,
        fields: Fields,
        raw: Mapping[str, Any],
        consumer: Consumer,
    ) -> None:
        entity = _validate(kind, fields, raw)
        key = entity["key"] or stable_id(kind, consumer.id)
        if key in store:
            raise DeclarativeError(f"{kind}: key {key!r} is not unique")
        entity.update(
            key=key, id=entity["id"] or stable_id(kind, key), consumer={"id": consumer.id}
        )
        store[key] = Credential(entity["id"], consumer.id, key, entity)

    def add_plugin(self, raw: Mapping[str, Any], *, scope: dict[str, str]) -> None:
        # Plugins may name entities declared further down the file: link them at the end.
        self.pending_plugins.append((raw, scope))

    def _link_plugin(self, raw: Mapping[str, Any], scope: dict[str, str]) -> PluginInstance:
        entity = _validate("plugin", PLUGIN, _without(raw, "config"))
        name = entity["name"]
        spec = self.specs.get(name)
        if spec is None:
            raise DeclarativeError(f"plugin {name!r} is not available to this gateway")
        for kind in ("service", "route", "consumer"):
            if entity[kind] is not None and kind not in scope:
                scope[kind] = self._reference(kind + "s", entity[kind], f"plugin {name}")
        try:
            config = validate_record(spec.fields, raw.get("config") or {})
        except SchemaError as error:
            raise DeclarativeError(f"plugin {name} ({_describe(scope)}): {error}") from error
        problems = spec.check(config) if spec.check else {}
        if problems:
            raise DeclarativeError(f"plugin {name} ({_describe(scope)}): {SchemaError(problems)}")
        label = f"{name}:{scope.get('service')}:{scope.get('route')}:{scope.get('consumer')}"
        return PluginInstance(
            id=entity["id"] or stable_id("plugin", label),
            name=name,
            config=_resolve_references(config, self.resolve),
            priority=spec.priority,
            external=spec.external,
            service_id=scope.get("service"),
            route_id=scope.get("route"),
            consumer_id=scope.get("consumer"),
            protocols=frozenset(entity["protocols"] or ()),
        )

    def finish(self) -> DeclarativeConfig:
        for raw, scope in self.pending_plugins:
            plugin = self._link_plugin(raw, scope)
            if not raw.get("enabled", True):
                continue
            self.plugins.append(plugin)
        seen: set[tuple[str, str | None, str | None, str | None]] = set()
        for plugin in self.plugins:
            key = (plugin.name, plugin.service_id, plugin.route_id, plugin.consumer_id)
            if key in seen:
                raise DeclarativeError(f"plugin {plugin.name} is configured twice on {key[1:]}")
            seen.add(key)
        return DeclarativeConfig(
            services=self.services,
            routes=tuple(self.routes),
            consumers=self.consumers,
            keyauth_credentials=self.keyauth,
            jwt_secrets=self.jwt,
            plugins=tuple(self.plugins),
            by_name=self.names,
        )

    def _name(self, table: str, name: str | None, entity_id: str) -> None:
        if name is None:
            return
        if name in self.names[table]:
            raise DeclarativeError(f"{table}: name {name!r} is not unique")
        self.names[table][name] = entity_id

    def _reference(self, table: str, reference: object, owner: str) -> str:
        target = reference
        if isinstance(reference, Mapping):
            target = reference.get("id") or reference.get("name")
        if not isinstance(target, str):
            raise DeclarativeError(f"{owner}: needs a {table[:-1]}")
        if target in self.names[table]:
            return self.names[table][target]
        if target in self.names[table].values():
            return target
        raise DeclarativeError(f"{owner}: no {table[:-1]} named {target!r}")


def _validate(kind: str, fields: Fields, raw: object) -> dict[str, Any]:
    try:
        return validate_record(fields, raw, path=kind)
    except SchemaError as error:
        raise DeclarativeError(str(error)) from error


def _without(raw: object, *keys: str) -> object:
    if not isinstance(raw, Mapping):
        return raw
    return {key: value for key, value in raw.items() if key not in keys}


def _required_name(entity: Mapping[str, Any], kind: str) -> str:
    name = entity.get("name")
    if not isinstance(name, str):
        raise DeclarativeError(f"every {kind} needs a name here (ids are derived from it)")
    return name


def _split_url(url: str, name: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        raise DeclarativeError(f"service {name}: url {url!r} needs a scheme and a host")
    return {
        "protocol": parts.scheme,
        "host": parts.hostname,
        "port": parts.port or DEFAULT_PORTS.get(parts.scheme, 80),
        "path": parts.path or None,
    }


def _check_router_path(path: str, route: str) -> None:
    if not (path.startswith("/") or path.startswith("~/")):
        raise DeclarativeError(f"route {route}: path {path!r} should start with / or ~/")
    if "//" in path:
        raise DeclarativeError(f"route {route}: path {path!r} must not have empty segments")
    if path.startswith("~"):
        try:
            re.compile(path[1:])
        except re.error as error:
            raise DeclarativeError(f"route {route}: invalid regex {path!r}: {error}") from error


def _resolve_references(value: Any, resolve: Callable[[str], str]) -> Any:
    if isinstance(value, str) and value.startswith("{vault://"):
        return resolve(value)
    if isinstance(value, dict):
        return {key: _resolve_references(item, resolve) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve_references(item, resolve) for item in value]
    return value


def _describe(scope: Mapping[str, str]) -> str:
    return ", ".join(f"{kind} {entity_id}" for kind, entity_id in scope.items()) or "global"
