"""Dependencies the routes declare: the CRM ports and settings, read from the container."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from salesforce_system.adapters.ports import AccountChangesPort, AccountSyncPort, CrmPort
from salesforce_system.bootstrap import SalesforceSystem
from salesforce_system.settings import SalesforceSystemSettings
from trivium.composition import from_container_part

CrmDep = Annotated[
    CrmPort, Depends(from_container_part(SalesforceSystem, lambda system: system.crm))
]
AccountChangesDep = Annotated[
    AccountChangesPort,
    Depends(from_container_part(SalesforceSystem, lambda system: system.account_changes)),
]
AccountSyncDep = Annotated[
    AccountSyncPort,
    Depends(from_container_part(SalesforceSystem, lambda system: system.account_sync)),
]
SettingsDep = Annotated[
    SalesforceSystemSettings,
    Depends(from_container_part(SalesforceSystem, lambda system: system.settings)),
]
