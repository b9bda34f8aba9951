"""Dependencies the routes declare: the CRM port and settings, built in the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from salesforce_system.adapters.ports import CrmPort
from salesforce_system.settings import SalesforceSystemSettings


async def get_crm(request: Request) -> CrmPort:
    crm: CrmPort = request.app.state.crm
    return crm


async def get_settings(request: Request) -> SalesforceSystemSettings:
    settings: SalesforceSystemSettings = request.app.state.settings
    return settings


CrmDep = Annotated[CrmPort, Depends(get_crm)]
SettingsDep = Annotated[SalesforceSystemSettings, Depends(get_settings)]
