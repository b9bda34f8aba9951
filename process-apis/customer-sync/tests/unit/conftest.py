"""Unit tests run the flow on in-memory systems and a real Redis (DB 0, flushed per test)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest_asyncio
import redis.asyncio

from customer_sync_process.adapters.fake import FakeCrm, FakeErp, RecordingSyncMetrics
from customer_sync_process.adapters.redis_state import RedisSyncState, leader_lease
from customer_sync_process.adapters.redis_syncs import RedisSyncs
from customer_sync_process.domain.flow import SyncFlow, SyncPolicy
from customer_sync_process.domain.ownership import DEFAULT_OWNERSHIP, Ownership
from trivium.locks import FencedLease

ACCOUNT = "001000000000077AAA"
CUSTOMER = "1000077"


@dataclass
class Setup:
    """The flow under test, what it works on, and the leader's fencing token."""

    flow: SyncFlow
    crm: FakeCrm
    erp: FakeErp
    state: RedisSyncState
    lease: FencedLease
    syncs: RedisSyncs
    fence: int


@pytest_asyncio.fixture
async def redis_db(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest_asyncio.fixture
async def setup(redis_db: redis.asyncio.Redis) -> Setup:
    """A linked pair: CRM account ACCOUNT and ERP customer CUSTOMER, equal in every field."""
    crm, erp = FakeCrm(), FakeErp()
    crm.add_account(ACCOUNT, name="Harz Armaturen GmbH", customer=CUSTOMER, phone="+49 1")
    erp.add_customer(CUSTOMER, name="Harz Armaturen GmbH", phone="+49 1", external_id=ACCOUNT)
    lease = leader_lease(redis_db, holder="unit", ttl_seconds=5)
    state = RedisSyncState(redis_db, fence_key=lease.fence_key, audit_max_length=10_000)
    flow = SyncFlow(
        crm=crm,
        erp=erp,
        state=state,
        ownership=Ownership(DEFAULT_OWNERSHIP),
        policy=SyncPolicy(
            erp_poll_overlap=timedelta(0),
            erp_first_lookback=timedelta(minutes=1),
            cdc_wait_seconds=0,
        ),
        metrics=RecordingSyncMetrics(),
    )
    fence = await lease.acquire()
    return Setup(flow, crm, erp, state, lease, RedisSyncs(redis_db, retention_days=1), fence)
