"""Request-scoped dependencies: the emulator and the call context of a data API request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from salesforce_emulator.domain.auth import Session
from salesforce_emulator.domain.errors import invalid_session
from salesforce_emulator.emulator import Emulator
from salesforce_emulator.rest.context import CallContext, parse_call_options


async def get_emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


async def get_session(request: Request) -> Session:
    """The session the gate found for this request's bearer token."""
    session: Session | None = getattr(request.state, "sf_session", None)
    if session is None:
        raise invalid_session()
    return session


async def get_call(
    request: Request,
    emulator: Annotated[Emulator, Depends(get_emulator)],
    session: Annotated[Session, Depends(get_session)],
) -> CallContext:
    """The call context: version from the path, client and batch size from the headers."""
    version = str(request.path_params.get("version", emulator.settings.api_version))
    batch = parse_call_options(request.headers.get("sforce-query-options"), "batchSize")
    return CallContext(
        emulator=emulator,
        session=session,
        version=version,
        client=parse_call_options(request.headers.get("sforce-call-options"), "client"),
        batch_size=int(batch) if batch and batch.isdigit() else None,
    )


EmulatorDep = Annotated[Emulator, Depends(get_emulator)]
CallDep = Annotated[CallContext, Depends(get_call)]
