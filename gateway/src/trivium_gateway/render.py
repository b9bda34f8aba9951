"""Render kong.yml for another place: other upstream URLs, another Redis.

kong.yml names the local addresses (127.0.0.1); a Kong container reaches the services and Redis
by their container names. The Kong image is built with:

    python -m trivium_gateway.render --input gateway/kong.yml --output kong.yml \
        --upstream partner-portal-experience=http://partner-portal-experience:8102 ... \
        --redis-url redis://redis:6379/0

Only service URLs and Redis addresses change; everything else is kept as written.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

REDIS_URL_FIELD = "redis_url"


def render_config(
    document: Mapping[str, Any],
    *,
    upstreams: Mapping[str, str],
    redis_url: str | None = None,
) -> dict[str, Any]:
    """A copy of a kong.yml document with the named services' URLs and Redis replaced."""
    rendered: dict[str, Any] = copy.deepcopy(dict(document))
    known = {service.get("name") for service in rendered.get("services") or []}
    unknown = set(upstreams) - known
    if unknown:
        raise ValueError(f"no service named {', '.join(sorted(unknown))} in kong.yml")
    for service in rendered.get("services") or []:
        if service.get("name") in upstreams:
            service["url"] = upstreams[service["name"]]
    if redis_url is not None:
        for plugin in _plugins(rendered):
            _point_at_redis(plugin, redis_url)
    return rendered


def _plugins(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = list(document.get("plugins") or [])
    for service in document.get("services") or []:
        found += service.get("plugins") or []
        for route in service.get("routes") or []:
            found += route.get("plugins") or []
    for route in document.get("routes") or []:
        found += route.get("plugins") or []
    for consumer in document.get("consumers") or []:
        found += consumer.get("plugins") or []
    return found


def _point_at_redis(plugin: dict[str, Any], redis_url: str) -> None:
    config = plugin.get("config") or {}
    if REDIS_URL_FIELD in config:
        config[REDIS_URL_FIELD] = redis_url
    redis = config.get("redis")
    if isinstance(redis, dict) and "host" in redis:
        parts = urlsplit(redis_url)
        redis["host"] = parts.hostname
        redis["port"] = parts.port or 6379
        redis["database"] = int(parts.path.lstrip("/") or 0)


class _PlainDumper(yaml.SafeDumper):  # type: ignore[misc]  # PyYAML has no type stubs here
    """Writes what kong.yml shares through YAML anchors out in full at each place it is used."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_config(document: Mapping[str, Any]) -> str:
    """kong.yml text for a document."""
    text: str = yaml.dump(dict(document), Dumper=_PlainDumper, sort_keys=False, allow_unicode=True)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument(
        "--upstream", action="append", default=[], metavar="SERVICE=URL", help="repeatable"
    )
    parser.add_argument("--redis-url")
    args = parser.parse_args(argv)
    upstreams = dict(item.split("=", 1) for item in args.upstream)
    document = yaml.safe_load(args.input.read_text())
    try:
        rendered = render_config(document, upstreams=upstreams, redis_url=args.redis_url)
    except ValueError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    notice = f"# Generated from {args.input} by trivium_gateway.render: edit that file.\n"
    args.output.write_text(notice + dump_config(rendered))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
