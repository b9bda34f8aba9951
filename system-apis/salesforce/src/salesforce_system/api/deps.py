"""Dependencies the routes declare: the CRM ports and settings, read from the container."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from salesforce_system.adapters.ports import AccountChangesPort, AccountSyncPort, CrmPort
from salesforce_system.bootstrap import SalesforceSystem
from salesforce_system.settings import SalesforceSystemSettings
from trivium.composition import from_container

ContainerDep = Annotated[SalesforceSystem, Depends(from_container(SalesforceSystem))]


async def get_crm(container: ContainerDep) -> CrmPort:
    return container.crm


async def get_account_changes(container: ContainerDep) -> AccountChangesPort:
    return container.account_changes


async def get_account_sync(container: ContainerDep) -> AccountSyncPort:
    return container.account_sync


async def get_settings(container: ContainerDep) -> SalesforceSystemSettings:
    return container.settings


CrmDep = Annotated[CrmPort, Depends(get_crm)]
AccountChangesDep = Annotated[AccountChangesPort, Depends(get_account_changes)]
AccountSyncDep = Annotated[AccountSyncPort, Depends(get_account_sync)]
SettingsDep = Annotated[SalesforceSystemSettings, Depends(get_settings)]
