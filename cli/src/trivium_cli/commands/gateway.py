"""`trivium budget` and `trivium quota PARTNER`: what the gateway decides partner traffic by,
read where the gateway reads it (its kong.yml and its Redis)."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from trivium_gateway.partner_policy import decide, parse_reading, read_usage

from trivium_cli.client import reported_errors
from trivium_cli.context import cli_settings
from trivium_cli.gateway_policy import (
    budget_guards,
    find_partner,
    gateway_redis,
    load_kong_config,
)
from trivium_cli.output import JsonOutput, emit, table


def budget_view(reading: Any, guard: Any, *, now: float) -> dict[str, Any]:
    """The reading and, per plan, the guard's threshold and decision now."""
    plans = [
        {
            "plan": plan,
            "shedBelowPercent": threshold,
            "decision": decide(
                reading,
                plan=plan,
                shed_below_percent=guard.shed_below_percent,
                now=now,
                max_age_seconds=guard.max_age_seconds,
            ).outcome,
        }
        for plan, threshold in sorted(guard.shed_below_percent.items(), key=lambda p: -p[1])
    ]
    found = None
    if reading is not None:
        found = {
            "used": reading.used,
            "max": reading.max,
            "remaining": reading.remaining,
            "remainingPercent": round(reading.remaining_percent, 2),
            "observedAt": reading.observed_at,
            "ageSeconds": round(now - reading.observed_at, 1),
        }
    return {
        "budgetKey": guard.budget_key,
        "maxAgeSeconds": guard.max_age_seconds,
        "reading": found,
        "plans": plans,
    }


def render_budget(views: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for view in views:
        reading = view["reading"]
        if reading is None:
            lines.append(f"no Salesforce budget published at {view['budgetKey']}")
        else:
            stale = reading["ageSeconds"] > view["maxAgeSeconds"]
            lines.append(
                f"Salesforce API budget: {reading['remaining']} of {reading['max']} calls left "
                f"({reading['remainingPercent']} %), read {reading['ageSeconds']} s ago"
                + (" (too old: the guard treats it as unknown)" if stale else "")
            )
        rows = [(p["plan"], f"< {p['shedBelowPercent']} %", p["decision"]) for p in view["plans"]]
        lines += table(("PLAN", "SHED BELOW", "NOW"), rows)
    return lines or ["kong.yml configures no salesforce-budget-guard"]


def budget(ctx: typer.Context, as_json: JsonOutput = False) -> None:
    """The Salesforce API budget the Salesforce System API last published, and which partner
    plans the gateway's budget guard sheds at that level (`shed`, `passed`, or
    `unknown_budget` when no fresh reading exists)."""
    settings = cli_settings(ctx)
    with reported_errors():
        guards = budget_guards(load_kong_config(settings.kong_config_path()))
        with gateway_redis(settings) as redis:
            readings = [parse_reading(redis.hgetall(guard.budget_key)) for guard in guards]
    now = time.time()
    views = [budget_view(r, g, now=now) for r, g in zip(readings, guards, strict=True)]
    emit(views, as_json=as_json, render=render_budget)


def render_quota(view: dict[str, Any]) -> list[str]:
    rows = [
        (w["window"], w["limit"], w["used"], w["remaining"], f"{w['resetSeconds']} s")
        for w in view["windows"]
    ]
    return [
        f"partner {view['partner']} ({view['customId']}), plan {view['plan']}",
        *table(("WINDOW", "LIMIT", "USED", "REMAINING", "RESETS IN"), rows),
    ]


def quota(
    ctx: typer.Context,
    partner: Annotated[
        str, typer.Argument(help="The partner: its consumer username or account number.")
    ],
    as_json: JsonOutput = False,
) -> None:
    """A partner's quota windows now: its plan's limits, what it has used in each window and
    when the oldest request counted leaves it (read only: nothing is counted)."""
    settings = cli_settings(ctx)
    with reported_errors():
        found = find_partner(load_kong_config(settings.kong_config_path()), partner)
        with gateway_redis(settings) as redis:
            usages = read_usage(
                redis,
                key_prefix=found.key_prefix,
                consumer_id=found.consumer_id,
                windows=found.windows,
            )
    view = {
        "partner": found.name,
        "customId": found.custom_id,
        "plan": found.plan,
        "windows": [
            {
                "window": usage.window.name,
                "limit": usage.window.limit,
                "used": usage.used,
                "remaining": usage.remaining,
                "resetSeconds": round(usage.reset_ms / 1000, 1),
            }
            for usage in usages
        ],
    }
    emit(view, as_json=as_json, render=render_quota)
