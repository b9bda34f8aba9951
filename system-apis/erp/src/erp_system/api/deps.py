"""What the routes declare: the ERP ports, the key lock and settings, read from the container."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Header

from erp_system.adapters.ports import CreationAttemptsPort, ErpPort, KeyLockPort
from erp_system.adapters.sync_port import ErpSyncPort
from erp_system.bootstrap import ErpSystem
from erp_system.domain.errors import InvalidVersion
from erp_system.settings import ErpSystemSettings
from trivium.composition import from_container_part


def etag_for(version: str | None) -> str | None:
    """An HTTP entity tag that carries the ERP's version opaquely."""
    if version is None:
        return None
    return '"' + base64.urlsafe_b64encode(version.encode()).decode().rstrip("=") + '"'


async def version_from_if_match(
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", description="The `ETag` of the version the change is based on."),
    ] = None,
) -> str | None:
    """The ERP version an If-Match names; None when absent or `*` (any version)."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    try:
        padded = (tag + "=" * (-len(tag) % 4)).encode("ascii")
        version = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise InvalidVersion("Send the ETag this API returned, or `*`.") from error
    if not version:
        raise InvalidVersion("Send the ETag this API returned, or `*`.")
    return version


ErpDep = Annotated[ErpPort, Depends(from_container_part(ErpSystem, lambda system: system.erp))]
LocksDep = Annotated[
    KeyLockPort, Depends(from_container_part(ErpSystem, lambda system: system.locks))
]
AttemptsDep = Annotated[
    CreationAttemptsPort, Depends(from_container_part(ErpSystem, lambda system: system.attempts))
]
SyncDep = Annotated[
    ErpSyncPort, Depends(from_container_part(ErpSystem, lambda system: system.sync))
]
SettingsDep = Annotated[
    ErpSystemSettings, Depends(from_container_part(ErpSystem, lambda system: system.settings))
]
VersionDep = Annotated[str | None, Depends(version_from_if_match)]
