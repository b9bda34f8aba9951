"""salesforce-budget-guard's pure functions, and its reader on a real Redis."""

from __future__ import annotations

import json

import pytest
import redis

THRESHOLDS = {"bronze": 50.0, "silver": 25.0, "gold": 5.0}
NOW = 1_800_000_000.0


def reading(module, *, remaining, maximum=15_000, age=0.0):
    return module.BudgetReading(maximum - remaining, maximum, remaining, NOW - age)


def decide(module, found, plan, **options):
    return module.decide(
        found, plan=plan, shed_below_percent=THRESHOLDS, now=NOW, max_age_seconds=900, **options
    )


class TestParseReading:
    def test_the_hash_the_salesforce_system_api_publishes(self, budget_guard):
        published = {
            b"used": b"18",
            b"max": b"15000",
            b"remaining": b"14982",
            b"observed_at": b"1.5",
        }

        assert budget_guard.parse_reading(published) == budget_guard.BudgetReading(
            18, 15000, 14982, 1.5
        )

    def test_nothing_published(self, budget_guard):
        assert budget_guard.parse_reading({}) is None

    def test_malformed(self, budget_guard):
        assert budget_guard.parse_reading({"used": "x", "max": "1", "observed_at": "1"}) is None

    def test_exhausted_before_any_reading(self, budget_guard):
        # What the System API publishes when Salesforce refuses a call before it knew the max.
        found = budget_guard.parse_reading(
            {"used": "0", "max": "0", "remaining": "0", "observed_at": "1"}
        )

        assert found is not None
        assert found.remaining_percent == 0.0


class TestDecide:
    @pytest.mark.parametrize(
        ("remaining", "shed"),
        [
            (15_000, set()),
            (7_500, set()),
            (7_499, {"bronze"}),
            (3_749, {"bronze", "silver"}),
            (750, {"bronze", "silver"}),
            (749, {"bronze", "silver", "gold"}),
        ],
    )
    def test_plans_are_shed_in_order(self, budget_guard, remaining, shed):
        found = reading(budget_guard, remaining=remaining)

        outcomes = {plan: decide(budget_guard, found, plan).shed for plan in THRESHOLDS}

        assert {plan for plan, was_shed in outcomes.items() if was_shed} == shed

    def test_stale_reading_is_unknown(self, budget_guard):
        found = reading(budget_guard, remaining=0, age=901)

        assert decide(budget_guard, found, "bronze").outcome == "unknown_budget"

    def test_missing_reading_is_unknown(self, budget_guard):
        assert decide(budget_guard, None, "gold").outcome == "unknown_budget"

    def test_plan_without_threshold_is_never_shed(self, budget_guard):
        found = reading(budget_guard, remaining=0)

        assert decide(budget_guard, found, "internal").outcome == "passed"


class TestShedBody:
    def test_problem_without_the_orgs_figures(self, budget_guard):
        body = json.loads(budget_guard.shed_body(plan="silver", correlation_id="c", instance="/p"))

        assert body["status"] == 503
        assert body["type"] == "https://trivium.dev/problems/partner-traffic-shed"
        assert body["plan"] == "silver"
        assert body["correlationId"] == "c"
        assert not any(char.isdigit() for char in body["detail"])


class TestBudgetReader:
    def test_reading_is_kept_for_its_ttl(self, budget_guard, redis_url):
        client = redis.Redis.from_url(redis_url)
        reader = budget_guard.BudgetReader(client, key="budget", ttl=1.0)
        client.hset("budget", mapping={"used": 1, "max": 10, "observed_at": 5})

        first = reader.read(100.0)
        client.hset("budget", mapping={"used": 9})
        cached = reader.read(100.5)
        fresh = reader.read(101.0)
        client.close()

        assert first.remaining == cached.remaining == 9
        assert fresh.remaining == 1

    def test_failure_is_kept_for_its_ttl(self, budget_guard):
        unreachable = Unreachable()
        reader = budget_guard.BudgetReader(unreachable, key="budget", ttl=5.0)

        for now in (100.0, 101.0, 104.9):
            with pytest.raises(redis.ConnectionError):
                reader.read(now)
        assert unreachable.calls == 1, "Redis is not asked again within the TTL"
        with pytest.raises(redis.ConnectionError):
            reader.read(105.0)
        assert unreachable.calls == 2


class Unreachable:
    """A Redis client that cannot connect, counting its attempts."""

    def __init__(self):
        self.calls = 0

    def hgetall(self, key):
        self.calls += 1
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1. Connection refused.")


class TestPlugin:
    def test_default_plan_needs_a_threshold(self, budget_guard):
        with pytest.raises(ValueError, match="default_plan"):
            budget_guard.Plugin(
                {
                    "redis_url": "redis://127.0.0.1:6379/0",
                    "redis_timeout_ms": 100,
                    "budget_key": "k",
                    "default_plan": "bronze",
                    "shed_below_percent": {"gold": 5},
                    "max_age_seconds": 900,
                    "fail_open": True,
                    "retry_after_seconds": 60,
                    "cache_ttl_seconds": 1,
                }
            )
