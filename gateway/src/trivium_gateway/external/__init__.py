"""Python (kong-pdk) plugins: run by a real Kong plugin server, or in this process.

Both runners load the same plugin files, learn the same plugin info (phases, priority, schema)
and answer the plugins' PDK calls from the same `Pdk` table, so their decisions agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from trivium_gateway.context import RequestContext
from trivium_gateway.entities import PluginInstance, PluginSpec
from trivium_gateway.pdk import Pdk

SUPPORTED_PHASES = ("rewrite", "access", "log")
# Picks the configuration of one plugin for a request (None: the plugin does not apply).
Selector = Callable[[RequestContext], PluginInstance | None]


class ExternalPluginError(Exception):
    """A Python plugin failed to run one phase."""


class ExternalPlugins(Protocol):
    """Runs Python plugins' phases for requests."""

    mode: str

    async def plugin_infos(self) -> dict[str, dict[str, Any]]:
        """Kong's plugin info (Name, Phases, Priority, Version, Schema) of every plugin."""
        ...

    async def start(self, instances: list[PluginInstance], pdk: Pdk) -> None:
        """Create one plugin instance per configured plugin."""
        ...

    async def run(self, instance: PluginInstance, phase: str, ctx: RequestContext) -> None:
        """Run one phase; raises ExternalPluginError when the plugin fails."""
        ...

    async def run_group(
        self, selectors: Sequence[Selector], phase: str, ctx: RequestContext
    ) -> None:
        """Run consecutive plugins' phase in priority order, stopping at the first answer."""
        ...

    async def close(self) -> None:
        """Release instances, connections, processes."""
        ...


def spec_from_info(info: Mapping[str, Any]) -> PluginSpec:
    """The loader's view of a plugin from its Kong plugin info."""
    config_fields: list[Any] = []
    for field in info["Schema"]["fields"]:
        if "config" in field:
            config_fields = list(field["config"].get("fields") or [])
    return PluginSpec(
        name=info["Name"],
        fields=tuple(config_fields),
        priority=int(info.get("Priority") or 0),
        external=True,
    )


def phases_from_info(info: Mapping[str, Any]) -> frozenset[str]:
    """The phases a plugin implements that the local gateway runs."""
    return frozenset(phase for phase in info.get("Phases") or () if phase in SUPPORTED_PHASES)


def plugin_info(name: str, module: Any) -> dict[str, Any]:
    """Kong plugin info of a loaded kong-pdk Module, as the plugin server reports it."""
    return {
        "Name": name,
        "Phases": list(module.phases),
        "Priority": module.priority,
        "Version": module.version,
        "Schema": {
            "name": name,
            "fields": [{"config": {"type": "record", "fields": list(module.schema)}}],
        },
    }
