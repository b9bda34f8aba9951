from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI

from trivium.app import create_service_app
from trivium.composition import (
    ContainerMissingError,
    container_of,
    from_container,
    from_container_part,
    install,
    installing_lifespan,
    provide,
)
from trivium.service_auth import ServiceTokenIssuer
from trivium.settings import ServiceSettings
from trivium_testing.apps import app_client


@dataclass(frozen=True)
class Container:
    greeting: str


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/greeting")
    def greeting(container: Annotated[Container, Depends(from_container(Container))]) -> str:
        return container.greeting

    return app


@pytest.mark.asyncio
async def test_routes_read_the_provided_container() -> None:
    app = make_app()
    provide(app, Container(greeting="hello"))
    async with app_client(app) as client:
        assert (await client.get("/greeting")).json() == "hello"


def greeting_of(container: Container) -> str:
    return container.greeting


@pytest.mark.asyncio
async def test_a_route_can_read_one_part_of_the_container() -> None:
    app = FastAPI()

    @app.get("/greeting")
    def greeting(text: Annotated[str, Depends(from_container_part(Container, greeting_of))]) -> str:
        return text

    provide(app, Container(greeting="hello"))
    async with app_client(app) as client:
        assert (await client.get("/greeting")).json() == "hello"


def test_a_missing_or_foreign_container_is_a_wiring_error() -> None:
    app = make_app()
    with pytest.raises(ContainerMissingError, match="no Container"):
        container_of(app, Container)
    provide(app, object())
    with pytest.raises(ContainerMissingError, match="found object"):
        container_of(app, Container)


@dataclass(frozen=True)
class ServiceParts:
    idempotency: Any
    readiness: dict[str, Any]


def test_install_hands_the_store_and_the_checks_to_the_shared_machinery() -> None:
    app = create_service_app(
        ServiceSettings(service_name="parts", log_format="text"),
        title="Parts",
        guard_requests=False,
    )
    store, check = object(), object()
    install(app, ServiceParts(idempotency=store, readiness={"redis": check}))
    assert container_of(app, ServiceParts).idempotency is store
    assert app.state.idempotency is store
    assert app.state.readiness_checks == {"redis": check}


@pytest.mark.asyncio
async def test_the_installing_lifespan_serves_what_the_bootstrap_builds() -> None:
    settings = ServiceSettings(service_name="ledger", log_format="text")
    issuers: list[str] = []
    store = object()

    @asynccontextmanager
    async def bootstrap(
        settings: ServiceSettings, *, issuer: ServiceTokenIssuer
    ) -> AsyncIterator[ServiceParts]:
        issuers.append(issuer.issuer)
        yield ServiceParts(idempotency=store, readiness={})

    app = create_service_app(
        settings, title="ledger", lifespan=installing_lifespan(settings, bootstrap)
    )
    async with app.router.lifespan_context(app):
        assert container_of(app, ServiceParts).idempotency is store
    assert issuers == ["ledger"]
