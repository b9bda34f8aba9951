"""Kong's rate-limiting plugin with the `redis` policy: fixed windows per period.

Counters use Kong's Redis keys with the counted scope made a hash tag
(`ratelimit:{<route>:<service>:<identifier>}:<window start>:<period>`), so that the periods of one
identifier, counted together by one script, share a Redis Cluster slot. Responses carry Kong's
headers (`X-RateLimit-Limit-<Period>`, `X-RateLimit-Remaining-<Period>`,
`RateLimit-Limit/Remaining/Reset` of the period closest to exhaustion, `Retry-After` on 429).
The local gateway reads and counts in one Lua script where Kong reads, then counts in a timer: the
same decisions, without Kong's window for races between instances. Every Redis-using plugin of
the local gateway uses the gateway's own Redis (REDIS_URL), not the host named in kong.yml.
"""

from __future__ import annotations

import calendar
import logging
import math
import time
from datetime import UTC, datetime
from typing import Any

from trivium_gateway.bundled import BundledDeps, BundledPlugin
from trivium_gateway.context import RequestContext
from trivium_gateway.entities import PluginInstance
from trivium_gateway.plugin_support import REDIS_ERRORS

log = logging.getLogger("trivium_gateway.rate_limiting")

PERIODS = ("second", "minute", "hour", "day", "month", "year")
EXPIRATION = {
    "second": 1, "minute": 60, "hour": 3600, "day": 86400, "month": 2592000, "year": 31536000,
}  # fmt: skip
EMPTY_UUID = "00000000-0000-0000-0000-000000000000"

# KEYS: one counter per period; ARGV: limit and expiry (s) per period. Counts only when no period
# is exhausted. Returns the index of an exhausted period (0 if none), then the counts before.
FIXED_WINDOW_SCRIPT = """
local stop = 0
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = tonumber(redis.call('GET', key) or '0')
  if tonumber(ARGV[2 * i - 1]) - counts[i] <= 0 then
    stop = i
  end
end
if stop == 0 then
  for i, key in ipairs(KEYS) do
    redis.call('INCRBY', key, 1)
    if redis.call('TTL', key) < 0 then
      redis.call('EXPIRE', key, tonumber(ARGV[2 * i]))
    end
  end
end
return {stop, unpack(counts)}
"""


def period_starts(now: float) -> dict[str, int]:
    """The start (epoch ms) of the current window of each period, in UTC as Kong computes it."""
    second = int(now)
    moment = datetime.fromtimestamp(second, UTC)
    month = calendar.timegm((moment.year, moment.month, 1, 0, 0, 0))
    year = calendar.timegm((moment.year, 1, 1, 0, 0, 0))
    return {
        "second": second * 1000,
        "minute": second // 60 * 60_000,
        "hour": second // 3600 * 3_600_000,
        "day": second // 86400 * 86_400_000,
        "month": month * 1000,
        "year": year * 1000,
    }


def rate_limit_headers(
    limits: dict[str, int],
    counts: dict[str, int],
    stop: str | None,
    *,
    now: float,
    starts: dict[str, int],
) -> dict[str, str]:
    """Kong's headers for the usage before this request (counting it unless refused)."""
    headers: dict[str, str] = {}
    best: tuple[int, int, str] | None = None
    for period, limit in limits.items():
        remaining = limit - counts[period]
        if stop is None or stop == period:
            remaining -= 1
        remaining = max(0, remaining)
        window = EXPIRATION[period]
        if best is None or (remaining, -window) < (best[0], -best[1]):
            best = (remaining, window, period)
        title = period.capitalize()
        headers[f"X-RateLimit-Limit-{title}"] = str(limit)
        headers[f"X-RateLimit-Remaining-{title}"] = str(remaining)
    assert best is not None
    remaining, window, period = best
    reset = max(1, window - math.floor((now * 1000 - starts[period]) / 1000))
    headers["RateLimit-Limit"] = str(limits[period])
    headers["RateLimit-Remaining"] = str(remaining)
    headers["RateLimit-Reset"] = str(reset)
    if stop is not None:
        headers["Retry-After"] = str(reset)
    return headers


class RateLimiting(BundledPlugin):
    has_access = True

    def __init__(self, instance: PluginInstance, deps: BundledDeps) -> None:
        super().__init__(instance, deps)
        if self.conf["policy"] != "redis":
            raise ValueError("rate-limiting: the local gateway implements the redis policy only")
        self.limits = {p: int(self.conf[p]) for p in PERIODS if self.conf.get(p) is not None}
        self.script = deps.redis.register_script(FIXED_WINDOW_SCRIPT)
        self.scope = (instance.route_id or EMPTY_UUID, instance.service_id or EMPTY_UUID)

    def identifier(self, ctx: RequestContext) -> str:
        """Who is counted, per `limit_by` (the client IP when that is unknown, as in Kong)."""
        limit_by = self.conf["limit_by"]
        found: str | None = None
        if limit_by == "consumer":
            found = (ctx.consumer.id if ctx.consumer else None) or (
                ctx.credential.id if ctx.credential else None
            )
        elif limit_by == "credential":
            found = ctx.credential.id if ctx.credential else None
        elif limit_by == "service":
            found = ctx.service.id
        elif limit_by == "header":
            found = ctx.headers.get(self.conf["header_name"])
        elif limit_by == "path":
            found = ctx.path if ctx.path == self.conf["path"] else None
        return found or ctx.client_ip

    async def access(self, ctx: RequestContext) -> None:
        now = time.time()
        identifier = self.identifier(ctx)
        starts = period_starts(now)
        route_id, service_id = self.scope
        keys = [
            f"ratelimit:{{{route_id}:{service_id}:{identifier}}}:{starts[period]}:{period}"
            for period in self.limits
        ]
        args: list[Any] = []
        for period, limit in self.limits.items():
            args += [limit, EXPIRATION[period]]
        try:
            raw = await self.script(keys=keys, args=args)
        except REDIS_ERRORS as error:
            if self.conf["fault_tolerant"]:
                log.error("rate_limiting.usage_failed", extra={"error": repr(error)})
                return
            ctx.error(500)
            return
        periods = list(self.limits)
        stop = periods[int(raw[0]) - 1] if int(raw[0]) else None
        counts = {period: int(count) for period, count in zip(periods, raw[1:], strict=True)}
        headers = rate_limit_headers(self.limits, counts, stop, now=now, starts=starts)
        if self.conf["hide_client_headers"]:
            # As in Kong, hidden headers take Retry-After with them.
            headers = {}
        if stop is not None:
            ctx.error(int(self.conf["error_code"]), self.conf["error_message"], headers)
            return
        for name, value in headers.items():
            ctx.set_response_header(name, value)
