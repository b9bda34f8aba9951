"""Which plugin configurations apply to a request, and running them phase by phase, as Kong does.

Plugins run in priority order (highest first). For each plugin the most specific configuration
wins: consumer+route+service, consumer+route, consumer+service, route+service, consumer, route,
service, global. The consumer is only known once an auth plugin has run, so the choice is made
when each plugin's turn comes. When a plugin answers the request itself (`kong.response.exit`),
the remaining access handlers are skipped; header_filter still runs for every plugin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from trivium_gateway.bundled import BundledPlugin
from trivium_gateway.context import RequestContext
from trivium_gateway.entities import DeclarativeConfig, PluginInstance, Route
from trivium_gateway.external import ExternalPluginError, ExternalPlugins
from trivium_gateway.headers import Headers

log = logging.getLogger("trivium_gateway.pipeline")

Scope = tuple[str | None, str | None, str | None]  # consumer, route, service
Handle = BundledPlugin | PluginInstance


@dataclass(frozen=True)
class PluginSlot:
    """One plugin (by name) and its configurations that may apply on a route."""

    name: str
    priority: int
    external: bool
    phases: frozenset[str]
    by_scope: dict[Scope, Handle]
    consumer_scoped: bool

    def select(self, ctx: RequestContext) -> Handle | None:
        """The configuration for this request (most specific first)."""
        scopes = self.by_scope
        route, service = ctx.route.id, ctx.service.id
        if self.consumer_scoped and ctx.consumer is not None:
            consumer = ctx.consumer.id
            keys: tuple[Scope, ...] = (
                (consumer, route, service),
                (consumer, route, None),
                (consumer, None, service),
                (None, route, service),
                (consumer, None, None),
            )
            for key in keys:
                handle = scopes.get(key)
                if handle is not None:
                    return handle
        else:
            handle = scopes.get((None, route, service))
            if handle is not None:
                return handle
        return (
            scopes.get((None, route, None))
            or scopes.get((None, None, service))
            or scopes.get((None, None, None))
        )

    def select_external(self, ctx: RequestContext) -> PluginInstance | None:
        handle = self.select(ctx)
        return handle if isinstance(handle, PluginInstance) else None


# A step of the access phase: one bundled plugin, or a run of consecutive Python plugins (handed
# to their runner together, which saves a thread hand-off per plugin in-process).
Step = PluginSlot | tuple[PluginSlot, ...]


@dataclass(frozen=True)
class RoutePlan:
    access: tuple[Step, ...]
    header_filter: tuple[PluginSlot, ...]
    log: tuple[PluginSlot, ...] = field(default=())


def group_steps(slots: list[PluginSlot]) -> tuple[Step, ...]:
    """Slots in order, with consecutive Python plugins grouped."""
    steps: list[Step] = []
    for slot in slots:
        if slot.external and steps and isinstance(steps[-1], tuple):
            steps[-1] = (*steps[-1], slot)
        elif slot.external:
            steps.append((slot,))
        else:
            steps.append(slot)
    return tuple(steps)


class Pipeline:
    """Runs the plugins of each route."""

    def __init__(
        self,
        config: DeclarativeConfig,
        *,
        bundled: dict[str, BundledPlugin],
        external_phases: dict[str, frozenset[str]],
        external: ExternalPlugins | None,
    ) -> None:
        self.external = external
        self._plans = {
            route.id: self._plan(route, config, bundled, external_phases) for route in config.routes
        }

    def plan(self, route: Route) -> RoutePlan:
        return self._plans[route.id]

    @staticmethod
    def _plan(
        route: Route,
        config: DeclarativeConfig,
        bundled: dict[str, BundledPlugin],
        external_phases: dict[str, frozenset[str]],
    ) -> RoutePlan:
        grouped: dict[str, list[PluginInstance]] = {}
        for instance in config.plugins:
            if instance.route_id not in (None, route.id):
                continue
            if instance.service_id not in (None, route.service_id):
                continue
            if instance.protocols and not instance.protocols & route.protocols:
                continue
            grouped.setdefault(instance.name, []).append(instance)
        slots = []
        for name, instances in grouped.items():
            first = instances[0]
            if first.external:
                phases = external_phases.get(name, frozenset())
            else:
                handler = bundled[first.id]
                phases = frozenset(
                    phase
                    for phase, present in (
                        ("access", handler.has_access),
                        ("header_filter", handler.has_header_filter),
                    )
                    if present
                )
            by_scope: dict[Scope, Handle] = {
                (i.consumer_id, i.route_id, i.service_id): (i if i.external else bundled[i.id])
                for i in instances
            }
            consumer_scoped = any(i.consumer_id for i in instances)
            slots.append(
                PluginSlot(name, first.priority, first.external, phases, by_scope, consumer_scoped)
            )
        slots.sort(key=lambda slot: -slot.priority)
        return RoutePlan(
            access=group_steps([s for s in slots if "access" in s.phases]),
            header_filter=tuple(s for s in slots if "header_filter" in s.phases),
            log=tuple(s for s in slots if "log" in s.phases),
        )

    async def access(self, ctx: RequestContext, plan: RoutePlan) -> None:
        """The access phase: authentication, limits, policy; stops at the first answer."""
        for step in plan.access:
            if isinstance(step, tuple):
                if self.external is None:
                    raise ExternalPluginError("no Python plugin runner")
                await self.external.run_group(
                    [slot.select_external for slot in step], "access", ctx
                )
            else:
                handle = step.select(ctx)
                if isinstance(handle, BundledPlugin):
                    await handle.access(ctx)
            if ctx.exit is not None:
                return

    def header_filter(self, ctx: RequestContext, plan: RoutePlan, headers: Headers) -> None:
        """The header_filter phase of the bundled plugins, on the downstream headers."""
        for slot in plan.header_filter:
            handle = slot.select(ctx)
            if isinstance(handle, BundledPlugin):
                handle.header_filter(ctx, headers)

    async def log_phase(self, ctx: RequestContext, plan: RoutePlan) -> None:
        """The log phase, after the response has gone out; failures are only logged."""
        for slot in plan.log:
            handle = slot.select(ctx)
            if isinstance(handle, PluginInstance):
                try:
                    await self._run_external(handle, "log", ctx)
                except ExternalPluginError as error:
                    log.error("plugin.log_phase_failed", extra={"error": str(error)})

    async def _run_external(
        self, instance: PluginInstance, phase: str, ctx: RequestContext
    ) -> None:
        if self.external is None:
            raise ExternalPluginError(f"{instance.name}: no Python plugin runner")
        await self.external.run(instance, phase, ctx)
