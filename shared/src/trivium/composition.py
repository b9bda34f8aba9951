"""The one hand-off between a service's composition root and its routes.

`bootstrap.py` builds a frozen container of the service's ports and use cases; the lifespan in
`main.py` hands it to the app with `provide`; `api/deps.py` reads it back with `from_container`,
typed, so that no route or domain function reaches for `app.state` or a concrete adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

from fastapi import APIRouter, FastAPI, Request

from trivium.app import create_service_app
from trivium.health import ReadinessCheck, add_readiness_check
from trivium.idempotency import STORE_STATE_ATTRIBUTE, IdempotencyStore
from trivium.service_auth import ServiceTokenIssuer, system_api_router
from trivium.settings import ServiceSettings

PartT = TypeVar("PartT")
ContainerT = TypeVar("ContainerT")
SettingsT = TypeVar("SettingsT", bound=ServiceSettings, contravariant=True)
ServiceSettingsT = TypeVar("ServiceSettingsT", bound=ServiceSettings)
BuiltT = TypeVar("BuiltT", covariant=True)


class ServiceContainer(Protocol):
    """What every service's container offers the shared machinery."""

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def readiness(self) -> Mapping[str, ReadinessCheck]: ...


class ContainerMissingError(RuntimeError):
    """A route ran before the lifespan provided the container (a wiring bug, never user error)."""


def provide(app: FastAPI, container: object) -> None:
    """Make `container` the one object the app's dependencies read."""
    app.state.container = container


def install(app: FastAPI, container: ServiceContainer) -> None:
    """`provide` the container, and give its store to idempotent routes and its checks to
    `/readyz`: what a service's lifespan does with what its bootstrap built."""
    provide(app, container)
    setattr(app.state, STORE_STATE_ATTRIBUTE, container.idempotency)
    for name, check in container.readiness.items():
        add_readiness_check(app, name, check)


class Bootstrap(Protocol[SettingsT, BuiltT]):
    """A service's composition root: its settings and token issuer to its container."""

    def __call__(
        self, settings: SettingsT, *, issuer: ServiceTokenIssuer
    ) -> AbstractAsyncContextManager[BuiltT]: ...


def installing_lifespan(
    settings: ServiceSettingsT, bootstrap: Bootstrap[ServiceSettingsT, ServiceContainer]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """An API's lifespan: what `bootstrap` builds, installed on the app while it serves."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with bootstrap(settings, issuer=app.state.service_token_issuer) as container:
            install(app, container)
            yield

    return lifespan


class SystemBootstrap(Protocol[SettingsT, BuiltT]):
    """A System API's composition root: it calls backends, not services, so it signs no tokens."""

    def __call__(self, settings: SettingsT) -> AbstractAsyncContextManager[BuiltT]: ...


def system_api_lifespan(
    settings: ServiceSettingsT, bootstrap: SystemBootstrap[ServiceSettingsT, ServiceContainer]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A System API's lifespan: what `bootstrap` builds, installed on the app while it serves."""

    def with_issuer(
        settings: ServiceSettingsT, *, issuer: ServiceTokenIssuer
    ) -> AbstractAsyncContextManager[ServiceContainer]:
        return bootstrap(settings)

    return installing_lifespan(settings, with_issuer)


def create_system_api_app(
    settings: ServiceSettingsT,
    bootstrap: SystemBootstrap[ServiceSettingsT, ServiceContainer],
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    **app_options: Any,
) -> FastAPI:
    """A System API: `routers` behind `system_api_router` and a lifespan that runs what
    `bootstrap` builds (`app_options` as `create_service_app` takes them)."""
    app = create_service_app(
        settings,
        title=title,
        description=description,
        lifespan=system_api_lifespan(settings, bootstrap),
        **app_options,
    )
    app.include_router(system_api_router(routers))
    return app


def container_of(app: FastAPI, kind: type[ContainerT]) -> ContainerT:
    """The container `provide` stored, checked to be a `kind`."""
    container = getattr(app.state, "container", None)
    if not isinstance(container, kind):
        found = type(container).__name__
        raise ContainerMissingError(f"the app holds no {kind.__name__} (found {found})")
    return container


def from_container(kind: type[ContainerT]) -> Callable[[Request], Awaitable[ContainerT]]:
    """A FastAPI dependency that answers the app's container of type `kind`."""

    # async, so that FastAPI calls it in the event loop instead of a worker thread per request.
    async def dependency(request: Request) -> ContainerT:
        return container_of(request.app, kind)

    dependency.__name__ = f"get_{kind.__name__.lower()}"
    return dependency


def from_container_part(
    kind: type[ContainerT], part: Callable[[ContainerT], PartT]
) -> Callable[[Request], Awaitable[PartT]]:
    """A FastAPI dependency that answers `part` of the app's container of type `kind`, so that
    a route declares the one port it uses rather than the whole container."""

    async def dependency(request: Request) -> PartT:
        return part(container_of(request.app, kind))

    dependency.__name__ = f"get_{kind.__name__.lower()}_part"
    return dependency
