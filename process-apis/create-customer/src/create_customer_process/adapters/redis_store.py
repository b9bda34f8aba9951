"""Saga states in Redis: one hash per request, the claims on a customer's keys, wake-up times.

Keys (all under one hash tag, so that the scripts may touch them together in Redis Cluster):
- `{prefix}:request:<id>`   hash: `data` (the state as JSON), `status`;
- `{prefix}:claim:<sha256>` the request that claimed a customer key (name and postal code,
                            website domain, VAT id) for `claim_ttl`;
- `{prefix}:wakeups`        sorted set: request id -> when a worker must look at it (ms);
- `{prefix}:attention`      sorted set of the ids of requests that need attention (all scores
                            0; ids are ULIDs, so lexicographic order is creation order).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from create_customer_process.domain.models import RequestState, RequestStatus, SagaStep
from trivium.paging import lex_index_page
from trivium.redis_client import AsyncRedis

DEFAULT_PREFIX = "{create-customer}"

# A claim is free unless a request that has not failed holds it; all claims or none are taken.
_CREATE = """
local prefix = ARGV[6]
for i = 3, #KEYS do
  local holder = redis.call('GET', KEYS[i])
  if holder and holder ~= ARGV[1] then
    local status = redis.call('HGET', prefix .. holder, 'status')
    if status and status ~= 'failed' then return holder end
  end
end
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[5]) end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'status', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[7], ARGV[1])
return false
"""
_RELEASE = """
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
return true
"""
# Taking a due request re-arms it: a worker that dies with it cannot lose it.
_TAKE_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[3], id) end
return due
"""


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisRequestStore:
    """`RequestStore` on Redis; requests expire after `retention`, claims after `claim_ttl`."""

    def __init__(
        self,
        client: AsyncRedis,
        *,
        prefix: str = DEFAULT_PREFIX,
        retention: timedelta = timedelta(days=30),
        claim_ttl: timedelta = timedelta(days=1),
    ) -> None:
        self.prefix = prefix
        self.retention_ms = int(retention.total_seconds() * 1000)
        self.claim_ms = int(claim_ttl.total_seconds() * 1000)
        self._redis = client
        self._create = client.register_script(_CREATE)
        self._release = client.register_script(_RELEASE)
        self._take_due = client.register_script(_TAKE_DUE)

    def request_key(self, request_id: str) -> str:
        return f"{self.prefix}:request:{request_id}"

    def claim_key(self, claim: str) -> str:
        return f"{self.prefix}:claim:{hashlib.sha256(claim.encode()).hexdigest()}"

    @property
    def wakeups_key(self) -> str:
        return f"{self.prefix}:wakeups"

    @property
    def attention_key(self) -> str:
        return f"{self.prefix}:attention"

    async def create(
        self, state: RequestState, *, claims: Sequence[str], wake_at: datetime
    ) -> str | None:
        holder = await self._create(
            keys=[
                self.request_key(state.id),
                self.wakeups_key,
                *(self.claim_key(claim) for claim in claims),
            ],
            args=[
                state.id,
                state.model_dump_json(),
                state.status.value,
                self.retention_ms,
                self.claim_ms,
                f"{self.prefix}:request:",
                _ms(wake_at),
            ],
        )
        return _text(holder) if holder else None

    async def get(self, request_id: str) -> RequestState | None:
        data = await self._redis.hget(self.request_key(request_id), "data")
        return RequestState.model_validate_json(data) if data is not None else None

    async def save(self, state: RequestState, *, wake_at: datetime | None) -> None:
        key = self.request_key(state.id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"data": state.model_dump_json(), "status": state.status.value})
            pipe.pexpire(key, self.retention_ms)
            if state.step is SagaStep.NEEDS_ATTENTION:
                pipe.zadd(self.attention_key, {state.id: 0})
            elif state.erp_customer_number is not None:  # none before it can need attention
                pipe.zrem(self.attention_key, state.id)
            if wake_at is None:
                pipe.zrem(self.wakeups_key, state.id)
            else:
                pipe.zadd(self.wakeups_key, {state.id: _ms(wake_at)})
            await pipe.execute()

    async def release_claims(self, request_id: str, claims: Sequence[str]) -> None:
        if claims:
            await self._release(keys=[self.claim_key(claim) for claim in claims], args=[request_id])

    async def take_due(self, *, now: datetime, limit: int, recheck_at: datetime) -> list[str]:
        due = await self._take_due(keys=[self.wakeups_key], args=[_ms(now), limit, _ms(recheck_at)])
        return [_text(request_id) for request_id in due]

    async def list_needing_attention(
        self, *, limit: int, after: str | None
    ) -> tuple[list[RequestState], str | None]:
        ids, last = await lex_index_page(self._redis, self.attention_key, limit=limit, after=after)
        async with self._redis.pipeline(transaction=False) as pipe:
            for request_id in ids:
                pipe.hmget(self.request_key(request_id), ["data", "status"])
            rows: list[list[Any]] = await pipe.execute()
        found = [
            RequestState.model_validate_json(data)
            for data, status in rows
            if data is not None and _text(status) == RequestStatus.NEEDS_ATTENTION.value
        ]
        return found, last
