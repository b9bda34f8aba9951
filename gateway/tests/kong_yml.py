"""Changes a test makes to the repository's kong.yml before a gateway loads it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def plugins_named(document: dict[str, Any], name: str) -> Iterator[dict[str, Any]]:
    """Every instance of plugin `name` on a service or on one of its routes."""
    for service in document["services"]:
        for holder in [service, *service.get("routes", [])]:
            for plugin in holder.get("plugins") or []:
                if plugin["name"] == name:
                    yield plugin
