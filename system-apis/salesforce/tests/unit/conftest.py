"""Unit-test wiring: the REST adapter on httpx's own transport (so pytest-httpx sees every call)
and a real Redis for the shared session and budget."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest
import pytest_asyncio
import redis.asyncio
from pytest_httpx import HTTPXMock

from salesforce_system.adapters.salesforce.budget import BudgetTracker
from salesforce_system.adapters.salesforce.rest import (
    SalesforceRest,
    is_transient_salesforce_answer,
)
from salesforce_system.adapters.salesforce.session import SessionProvider
from salesforce_system.settings import SalesforceSystemSettings
from trivium.http_client import create_http_client
from trivium_testing.modules import load_module

RECORDED = load_module(
    Path(__file__).with_name("salesforce_responses.py"), "salesforce_system_recorded_responses"
)
LOGIN = RECORDED.LOGIN


@pytest.fixture
def sf() -> ModuleType:
    """Recorded Salesforce responses (see salesforce_responses.py)."""
    return RECORDED


@pytest.fixture
def signed_in(httpx_mock: HTTPXMock) -> None:
    """The org hands out a session at the first login."""
    httpx_mock.add_response(url=RECORDED.TOKEN_URL, method="POST", json=RECORDED.token())


def unit_settings(redis_url: str) -> SalesforceSystemSettings:
    return SalesforceSystemSettings(
        redis_url=redis_url, login_url=LOGIN, client_id="unit-client", log_format="text"
    )


@pytest_asyncio.fixture
async def rest(redis_client: redis.asyncio.Redis, redis_url: str) -> AsyncIterator[SalesforceRest]:
    settings = unit_settings(redis_url)
    login = create_http_client(
        backend="sf-login-unit", base_url=LOGIN, transport="httpcore", max_retries=0
    )
    api = create_http_client(
        backend="sf-unit",
        base_url=LOGIN,
        transport="httpcore",
        max_retries=2,
        is_retryable_response=is_transient_salesforce_answer,
    )
    yield SalesforceRest(
        http=api,
        sessions=SessionProvider(settings=settings, redis_client=redis_client, login_client=login),
        budget=BudgetTracker(redis_client),
        api_version="62.0",
        call_options_client="trivium",
    )
    await api.aclose()
    await login.aclose()
