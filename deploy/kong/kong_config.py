"""Kong's declarative configuration for the containers and the cluster.

`render` turns gateway/kong.yml into the configuration Kong runs next to the other containers:
services and Redis by their names, and the Redis credentials and the OTLP traces endpoint as env
vault references, so that no password is written into an image or a ConfigMap and each
deployment names its own collector. With `--consumers none` the consumers and
their credentials are left out (the production image, the production ConfigMap).

`assemble` runs where Kong starts (an init container in Kubernetes): it joins the routes and
plugins from the repository with the consumers and credentials from a Secret into the one file
Kong reads. Kong's credential fields (key-auth keys, jwt secrets) cannot be vault references,
so the consumers come as a whole from the Secret.

`kubernetes` writes both files of deploy/kubernetes from gateway/kong.yml: the base's (demo
consumers included, for development clusters) and the production overlay's routes (none).

    python deploy/kong/kong_config.py render --input gateway/kong.yml --output kong.yml
    python deploy/kong/kong_config.py kubernetes
    python kong_config.py assemble --routes routes.yml --consumers consumers.yml --output kong.yml
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

# The containers' names for the experience APIs (the same in Compose and in Kubernetes).
UPSTREAMS = {
    "partner-portal-experience": "http://partner-portal-experience:8102",
    "partner-portal-page": "http://partner-portal-experience:8102",
    "mobile-experience": "http://mobile-experience:8101",
}
REDIS_HOST_URL = "redis://redis:6379/0"
# Kong's env vault reads {vault://env/trivium-redis-url} from TRIVIUM_REDIS_URL.
REDIS_URL_REFERENCE = "{vault://env/trivium-redis-url}"
REDIS_PASSWORD_REFERENCE = "{vault://env/trivium-redis-password}"
# The opentelemetry plugin's collector, from TRIVIUM_OTLP_TRACES_ENDPOINT.
OTLP_TRACES_REFERENCE = "{vault://env/trivium-otlp-traces-endpoint}"
# Kong's own Redis user (trivium.redis_users.GRANTS["gateway"]).
REDIS_USER = "gateway"
CONSUMERS_FILE_KEYS = frozenset({"_format_version", "consumers"})
ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "gateway" / "kong.yml"
KUBERNETES = ROOT / "deploy" / "kubernetes"
# deploy/kubernetes file → whether it keeps gateway/kong.yml's (demo) consumers.
KUBERNETES_FILES = {
    KUBERNETES / "base" / "kong" / "kong.yml": True,
    KUBERNETES / "overlays" / "production" / "kong" / "routes.yml": False,
}
NOTICE = (
    "# Generated from gateway/kong.yml by `python deploy/kong/kong_config.py {command}`:\n"
    "# edit that file.\n"
)
NO_CONSUMERS = "# The consumers and their credentials come from the kong-consumers Secret.\n"


class ConfigError(ValueError):
    """The files cannot make one declarative configuration."""


def render(source: Mapping[str, Any], *, consumers: bool) -> dict[str, Any]:
    """gateway/kong.yml for the containers: upstreams by name, Redis credentials and the traces
    endpoint by reference."""
    from trivium_gateway.render import render_config

    rendered: dict[str, Any] = render_config(source, upstreams=UPSTREAMS, redis_url=REDIS_HOST_URL)
    for plugin in _plugins(rendered):
        config = plugin.get("config") or {}
        if "redis_url" in config:
            config["redis_url"] = REDIS_URL_REFERENCE
        if "traces_endpoint" in config:
            config["traces_endpoint"] = OTLP_TRACES_REFERENCE
        redis = config.get("redis")
        if isinstance(redis, dict) and "host" in redis:
            redis["username"] = REDIS_USER
            redis["password"] = REDIS_PASSWORD_REFERENCE
    if not consumers:
        rendered.pop("consumers", None)
    return rendered


def assemble(routes: Mapping[str, Any], consumers: Mapping[str, Any]) -> dict[str, Any]:
    """One configuration from the routes (no consumers) and a file of consumers only."""
    if not isinstance(routes, Mapping) or not isinstance(consumers, Mapping):
        raise ConfigError("both files must be YAML mappings")
    if routes.get("consumers"):
        raise ConfigError("the routes file holds consumers: they belong in the Secret")
    unexpected = set(consumers) - CONSUMERS_FILE_KEYS
    if unexpected:
        raise ConfigError(f"the consumers file may hold consumers only, not {sorted(unexpected)}")
    listed = consumers.get("consumers")
    if not isinstance(listed, list) or not listed:
        raise ConfigError("the consumers file lists no consumers")
    for consumer in listed:
        if not isinstance(consumer, Mapping) or not consumer.get("username"):
            raise ConfigError("every consumer needs a username")
    assembled = copy.deepcopy(dict(routes))
    assembled["consumers"] = copy.deepcopy(listed)
    return assembled


def _plugins(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    yield from document.get("plugins") or []
    for service in document.get("services") or []:
        yield from service.get("plugins") or []
        for route in service.get("routes") or []:
            yield from route.get("plugins") or []
    for route in document.get("routes") or []:
        yield from route.get("plugins") or []


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: {error}") from error


def _write(path: Path, document: Mapping[str, Any], *, notice: str = "", mode: int) -> None:
    text = notice + yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    render_command = commands.add_parser("render", help="gateway/kong.yml for the containers")
    render_command.add_argument("--input", type=Path, required=True)
    render_command.add_argument("--output", type=Path, required=True)
    render_command.add_argument("--consumers", choices=["demo", "none"], default="demo")
    assemble_command = commands.add_parser("assemble", help="routes + consumers → kong.yml")
    assemble_command.add_argument("--routes", type=Path, required=True)
    assemble_command.add_argument("--consumers", type=Path, required=True)
    assemble_command.add_argument("--output", type=Path, required=True)
    commands.add_parser("kubernetes", help="regenerate the Kong files of deploy/kubernetes")
    args = parser.parse_args(argv)
    try:
        if args.command == "render":
            rendered = render(_read(args.input), consumers=args.consumers == "demo")
            _write(args.output, rendered, notice=NOTICE.format(command="render"), mode=0o644)
        elif args.command == "kubernetes":
            for path, consumers in KUBERNETES_FILES.items():
                notice = NOTICE.format(command="kubernetes") + ("" if consumers else NO_CONSUMERS)
                rendered = render(_read(SOURCE), consumers=consumers)
                _write(path, rendered, notice=notice, mode=0o644)
        else:
            # The assembled file holds credentials: readable by Kong's user only.
            assembled = assemble(_read(args.routes), _read(args.consumers))
            _write(args.output, assembled, mode=0o600)
    except ConfigError as error:
        sys.stderr.write(f"kong_config: {error}\n")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
