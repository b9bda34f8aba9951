"""partner-quota's pure functions, and its sliding-log script on a real Redis."""

from __future__ import annotations

import json

import pytest
import redis

from trivium.redis_discovery import free_port
from trivium_gateway.plugin_support import REDIS_STORE_SCHEMA
from trivium_gateway.schema import validate_record


def config(**changes):
    base = {
        **validate_record(REDIS_STORE_SCHEMA, {}),
        "cost": 1,
        "default_plan": "bronze",
        "plans": {"gold": {"second": 50, "minute": 1200}, "bronze": {"second": 5, "minute": 60}},
        "key_prefix": "trivium:quota",
    }
    return {**base, **changes}


def usage(module, name, seconds, limit, *, used, reset_ms=500, wait_ms=0):
    return module.WindowUsage(module.Window(name, seconds, limit), used, reset_ms, wait_ms)


@pytest.fixture
def sync_redis(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


class TestParseConfig:
    def test_plans_become_windows_shortest_first(self, partner_quota):
        parsed = partner_quota.parse_config(config())

        assert [(w.name, w.limit) for w in parsed.plans["gold"]] == [
            ("second", 50),
            ("minute", 1200),
        ]

    def test_plan_without_limits(self, partner_quota):
        with pytest.raises(ValueError, match="sets no limit"):
            partner_quota.parse_config(config(plans={"bronze": {"second": None}}))

    def test_cost_over_a_limit(self, partner_quota):
        with pytest.raises(ValueError, match="cost 6 exceeds its limit per second"):
            partner_quota.parse_config(config(cost=6))

    def test_unknown_default_plan(self, partner_quota):
        with pytest.raises(ValueError, match="default_plan"):
            partner_quota.parse_config(config(default_plan="platinum"))


class TestWindowKeys:
    def test_one_slot_per_consumer(self, partner_quota):
        windows = partner_quota.windows_of({"second": 1, "hour": 2})

        assert partner_quota.window_keys("q", "c-1", windows) == ["q:{c-1}:second", "q:{c-1}:hour"]


class TestQuotaHeaders:
    def test_allowed_names_the_window_closest_to_exhaustion(self, partner_quota):
        decision = partner_quota.QuotaDecision(
            True,
            (
                usage(partner_quota, "second", 1, 5, used=1, reset_ms=900),
                usage(partner_quota, "minute", 60, 60, used=58, reset_ms=41_200),
            ),
        )

        assert partner_quota.quota_headers(decision) == {
            "RateLimit-Limit": "60",
            "RateLimit-Remaining": "2",
            "RateLimit-Reset": "42",
            "RateLimit-Policy": "5;w=1, 60;w=60",
        }

    def test_refused_says_when_to_retry(self, partner_quota):
        decision = partner_quota.QuotaDecision(
            False,
            (
                usage(partner_quota, "second", 1, 5, used=5, wait_ms=300),
                usage(partner_quota, "minute", 60, 60, used=60, reset_ms=100, wait_ms=12_100),
            ),
        )

        headers = partner_quota.quota_headers(decision)

        assert headers["Retry-After"] == "13"
        assert headers["RateLimit-Limit"] == "60"
        assert headers["RateLimit-Remaining"] == "0"
        assert headers["RateLimit-Reset"] == "13"

    def test_a_request_that_can_never_fit_has_no_retry_after(self, partner_quota):
        decision = partner_quota.QuotaDecision(
            False, (usage(partner_quota, "second", 1, 5, used=0, wait_ms=-1),)
        )

        assert "Retry-After" not in partner_quota.quota_headers(decision)
        assert decision.retry_after_seconds is None


class TestRejectionBody:
    def test_problem_document(self, partner_quota):
        decision = partner_quota.QuotaDecision(
            False, (usage(partner_quota, "second", 1, 5, used=5, wait_ms=200),)
        )

        body = json.loads(
            partner_quota.rejection_body(
                decision, plan="bronze", cost=1, correlation_id="c-9", instance="/partner/v1/x"
            )
        )

        assert body == {
            "type": "https://trivium.dev/problems/too-many-requests",
            "title": "Too many requests",
            "status": 429,
            "detail": "The bronze plan allows 5 requests per second; retry in 1 s.",
            "instance": "/partner/v1/x",
            "correlationId": "c-9",
            "plan": "bronze",
            "retryAfterSeconds": 1,
        }


class TestSlidingWindowLimiter:
    def test_counts_exactly_to_the_limit(self, partner_quota, sync_redis):
        limiter = partner_quota.SlidingWindowLimiter(sync_redis, key_prefix="t")
        windows = partner_quota.windows_of({"minute": 3})

        decisions = [limiter.consume(consumer_id="c", windows=windows, cost=1) for _ in range(4)]

        assert [d.allowed for d in decisions] == [True, True, True, False]
        assert [d.usages[0].remaining for d in decisions] == [2, 1, 0, 0]
        assert 59_000 < decisions[-1].usages[0].wait_ms <= 60_000

    def test_cost_counts_several_units(self, partner_quota, sync_redis):
        limiter = partner_quota.SlidingWindowLimiter(sync_redis, key_prefix="t")
        windows = partner_quota.windows_of({"minute": 10})

        first = limiter.consume(consumer_id="c", windows=windows, cost=4)
        second = limiter.consume(consumer_id="c", windows=windows, cost=7)

        assert first.allowed
        assert first.usages[0].used == 4
        assert not second.allowed
        assert second.usages[0].used == 4

    def test_entries_older_than_the_window_stop_counting(self, partner_quota, sync_redis):
        limiter = partner_quota.SlidingWindowLimiter(sync_redis, key_prefix="t")
        windows = partner_quota.windows_of({"second": 2})
        seconds, micros = sync_redis.time()
        now_ms = seconds * 1000 + micros // 1000
        key = partner_quota.window_keys("t", "c", windows)[0]
        sync_redis.zadd(key, {"old-1": now_ms - 1500, "old-2": now_ms - 1200, "recent": now_ms})

        decision = limiter.consume(consumer_id="c", windows=windows, cost=1)

        assert decision.allowed
        assert decision.usages[0].used == 2

    def test_a_refusal_counts_nothing(self, partner_quota, sync_redis):
        limiter = partner_quota.SlidingWindowLimiter(sync_redis, key_prefix="t")
        windows = partner_quota.windows_of({"second": 100, "minute": 2})

        for _ in range(3):
            limiter.consume(consumer_id="c", windows=windows, cost=1)

        second_key = partner_quota.window_keys("t", "c", windows)[0]
        assert sync_redis.zcard(second_key) == 2

    def test_redis_is_left_alone_after_a_failure(self, partner_quota):
        unreachable = redis.Redis(
            host="127.0.0.1", port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2
        )
        limiter = partner_quota.SlidingWindowLimiter(unreachable, key_prefix="t", pause_seconds=5)
        windows = partner_quota.windows_of({"second": 1})

        with pytest.raises(redis.ConnectionError):
            limiter.consume(consumer_id="c", windows=windows, cost=1)
        with pytest.raises(redis.ConnectionError, match="not asked again"):
            limiter.consume(consumer_id="c", windows=windows, cost=1)
        unreachable.close()


class TestPlugin:
    def test_configuration_is_checked_when_the_instance_starts(self, partner_quota):
        with pytest.raises(ValueError, match="default_plan"):
            partner_quota.Plugin(config(default_plan="none"))
