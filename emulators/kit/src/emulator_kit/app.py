"""The assembly every emulator's app shares: the service app, the emulator on its state, a gate
inside the request-context middleware, a database readiness check, and a background loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager, suppress
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from trivium.app import create_service_app
from trivium.settings import ServiceSettings


class Closeable(Protocol):
    def close(self) -> None: ...


def create_emulator_app(
    settings: ServiceSettings,
    emulator: Closeable,
    *,
    title: str,
    description: str,
    gate: Callable[[ASGIApp], ASGIApp],
    install_handlers: Callable[[FastAPI], None],
    routers: Iterable[APIRouter],
    check_database: Callable[[], Any],
    background: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> FastAPI:
    """The emulator's FastAPI app; `background` runs for the app's lifetime (a lifecycle loop)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(background()) if background is not None else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            emulator.close()

    async def database_answers() -> None:
        await run_in_threadpool(check_database)

    app = create_service_app(
        settings,
        title=title,
        description=description,
        lifespan=lifespan,
        readiness_checks={"database": database_answers},
        guard_requests=False,
    )
    app.state.emulator = emulator
    # Innermost user middleware: inside the shared request-context middleware, so calls the gate
    # refuses are still measured and logged with their correlation id.
    app.user_middleware.append(Middleware(gate))
    install_handlers(app)
    for router in routers:
        app.include_router(router)
    return app
