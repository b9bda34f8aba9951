"""Saga states in Redis: one hash per request, the claims on a customer's keys, wake-up times.

Keys (all under one hash tag, so that the scripts may touch them together in Redis Cluster), besides
those of every saga store (`trivium.saga_store`: `{prefix}:request:<id>`, wake-ups, attention):
- `{prefix}:claim:<sha256>` the request that claimed a customer key (name and postal code,
                            website domain, VAT id) for `claim_ttl`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from create_customer_process.domain.models import RequestState
from trivium.redis_client import AsyncRedis
from trivium.saga_store import RedisSagaStore, epoch_ms, text

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


class RedisRequestStore(RedisSagaStore[RequestState]):
    """`RequestStore` on Redis; requests expire after `retention`, claims after `claim_ttl`."""

    def __init__(
        self,
        client: AsyncRedis,
        *,
        prefix: str = DEFAULT_PREFIX,
        retention: timedelta = timedelta(days=30),
        claim_ttl: timedelta = timedelta(days=1),
    ) -> None:
        super().__init__(
            client,
            prefix=prefix,
            kind="request",
            load=RequestState.model_validate_json,
            retention=retention,
        )
        self.claim_ms = int(claim_ttl.total_seconds() * 1000)
        self._create = client.register_script(_CREATE)
        self._release = client.register_script(_RELEASE)

    def claim_key(self, claim: str) -> str:
        return f"{self.prefix}:claim:{hashlib.sha256(claim.encode()).hexdigest()}"

    async def create(
        self, state: RequestState, *, claims: Sequence[str], wake_at: datetime
    ) -> str | None:
        holder = await self._create(
            keys=[
                self.state_key(state.id),
                self.wakeups_key,
                *(self.claim_key(claim) for claim in claims),
            ],
            args=[
                state.id,
                state.model_dump_json(),
                state.status.value,
                self.retention_ms,
                self.claim_ms,
                self.state_key_prefix,
                epoch_ms(wake_at),
            ],
        )
        return text(holder) if holder else None

    async def release_claims(self, request_id: str, claims: Sequence[str]) -> None:
        if claims:
            await self._release(keys=[self.claim_key(claim) for claim in claims], args=[request_id])
