"""What the local gateway adds to a call: latency and throughput through the gateway versus
calling the experience API directly, in both plugin modes.

Set-up (all on 127.0.0.1, each a separate process): a private redis-server, a stand-in
experience API (`_gateway_apps.py`: verifies the service token, answers a small JSON document),
and two local gateways running the repository's kong.yml pointed at it, one per plugin mode
(`plugin-server`: Kong's real Python plugin server over its socket; `in-process`). The partner
quotas are raised so that the load measures overhead, not refusals, and a healthy Salesforce API
budget is published so the budget guard takes its usual path. The load comes from aiohttp in
this process.

Paths: `direct` (the experience API with a token minted here), `nginx plain proxy` (Debian's
nginx proxying to it, when installed: the reference for a bare proxy hop), `plain` (the local
gateway with a route and no plugins at all, in process), `partner` (GET /partner/v1/account
with an API key: key-auth, cors, request-size-limiting, partner-quota, salesforce-budget-guard,
signed-identity, correlation-id) and `mobile` (GET /mobile/v1/accounts/1 with a rep JWT: jwt,
rate-limiting on Redis, request-size-limiting, signed-identity, correlation-id).
Figures per path, medians over rounds interleaved across paths: p50/p99 at concurrency 1,
requests/s and p50/p99 at concurrency 32, the overhead of each (gateway minus direct), and the
PDK calls per request the Python plugins made (from the gateway's metrics).
On a 2-core machine the load generator, the gateway, the plugin server, the upstream and Redis
share the cores: compare rows with each other. The whole run takes about 70 s.

Run: `.venv/bin/python bench/gateway_overhead.py [--json PATH]`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import jwt
import redis
import yaml
from _full_stack import raise_plan_limits
from _load import interleaved_rounds, timed_one_at_a_time
from _nginx import start_nginx
from trivium_gateway.render import dump_config, render_config
from trivium_gateway.settings import GATEWAY_DIR

from trivium.redis_discovery import start_redis_server
from trivium_testing.keys import session_keys
from trivium_testing.services import RunningService, start_service

BENCH_DIR = Path(__file__).resolve().parent
MODES = ("plugin-server", "in-process")
ROUNDS = 3
WARMUP_REQUESTS = 300
SEQUENTIAL_REQUESTS = 500
CONCURRENCY = 32
THROUGHPUT_SECONDS = 2.5
PDK_SAMPLE_REQUESTS = 200
BUDGET_KEY = "trivium:salesforce:api-budget"


def gateway_config(upstream_url: str, redis_url: str, folder: Path) -> Path:
    """kong.yml pointed at the stand-in, with quotas out of the benchmark's way."""
    document = render_config(
        yaml.safe_load((GATEWAY_DIR / "kong.yml").read_text()),
        upstreams={
            name: upstream_url
            for name in ("partner-portal-experience", "partner-portal-page", "mobile-experience")
        },
        redis_url=redis_url,
    )
    raise_plan_limits(document)
    path = folder / "kong.yml"
    path.write_text(dump_config(document))
    return path


def plain_config(upstream_url: str, folder: Path) -> Path:
    """A kong.yml with one route and no plugins: the gateway as a bare proxy, like nginx."""
    document = {
        "_format_version": "3.0",
        "services": [
            {
                "name": "plain",
                "url": upstream_url,
                "routes": [{"name": "plain", "paths": ["/partner/v1"], "strip_path": False}],
            }
        ],
    }
    path = folder / "plain.yml"
    path.write_text(dump_config(document))
    return path


def credentials() -> tuple[str, str]:
    """The gold partner's API key and a sales rep's JWT, from kong.yml's demo consumers."""
    consumers = yaml.safe_load((GATEWAY_DIR / "kong.yml").read_text())["consumers"]
    key = next(c for c in consumers if "plan-gold" in c.get("tags", []))["keyauth_credentials"]
    secret = next(c for c in consumers if c.get("jwt_secrets"))["jwt_secrets"][0]
    now = int(time.time())
    token = jwt.encode(
        {"iss": secret["key"], "sub": "anna.becker", "iat": now, "nbf": now, "exp": now + 3000},
        secret["secret"],
        algorithm=secret["algorithm"],
    )
    return key[0]["key"], token


async def answered_ok(session: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> bool:
    """GET the path once: True when it answered 200."""
    try:
        async with session.get(url, headers=headers) as response:
            await response.read()
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def pdk_calls(session: aiohttp.ClientSession, gateway: str) -> float:
    async with session.get(gateway + "/metrics") as response:
        text = await response.text()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("trivium_gateway_pdk_calls_total{")
    )


async def measure(
    paths: dict[str, tuple[str, dict[str, str]]], gateways: dict[str, str]
) -> dict[str, dict[str, float]]:
    connector = aiohttp.TCPConnector(limit=CONCURRENCY * 2)
    figures: dict[str, dict[str, float]] = {}
    async with aiohttp.ClientSession(connector=connector) as session:
        sends = {
            path: functools.partial(answered_ok, session, url, headers)
            for path, (url, headers) in paths.items()
        }
        measured = await interleaved_rounds(
            sends,
            rounds=ROUNDS,
            warmup=WARMUP_REQUESTS,
            sequential=SEQUENTIAL_REQUESTS,
            concurrency=CONCURRENCY,
            seconds=THROUGHPUT_SECONDS,
        )
        for path, figure in measured.items():
            figures[path] = {
                "p50_ms_c1": figure.median_ms(0.5),
                "p99_ms_c1": figure.median_ms(0.99),
                "rps_c32": statistics.median(figure.rates),
                "p50_ms_c32": figure.median_ms(0.5, concurrent=True),
                "p99_ms_c32": figure.median_ms(0.99, concurrent=True),
                "failed": figure.failed,
            }
        for path, send in sends.items():
            mode = path.split(" ", 1)[0]
            if mode in gateways:
                before = await pdk_calls(session, gateways[mode])
                await timed_one_at_a_time(send, PDK_SAMPLE_REQUESTS)
                after = await pdk_calls(session, gateways[mode])
                figures[path]["pdk_calls_per_request"] = (after - before) / PDK_SAMPLE_REQUESTS
    direct = figures["direct"]
    for path, figure in figures.items():
        if path != "direct":
            for key in ("p50_ms_c1", "p99_ms_c1", "p50_ms_c32"):
                figure["overhead_" + key] = figure[key] - direct[key]
    return figures


def render(figures: dict[str, dict[str, float]]) -> str:
    columns = (
        ("p50 c1", "p50_ms_c1", 2), ("p99 c1", "p99_ms_c1", 2),
        ("+p50 c1", "overhead_p50_ms_c1", 2), ("req/s c32", "rps_c32", 0),
        ("p50 c32", "p50_ms_c32", 2), ("p99 c32", "p99_ms_c32", 2),
        ("+p50 c32", "overhead_p50_ms_c32", 2), ("PDK/req", "pdk_calls_per_request", 1),
        ("failed", "failed", 0),
    )  # fmt: skip
    header = f"{'path':<24}" + "".join(f"{title:>10}" for title, _, _ in columns) + "\n"
    lines = [header, "-" * (len(header) - 1) + "\n"]
    for path, figure in figures.items():
        cells = "".join(
            f"{figure[key]:>10.{digits}f}" if key in figure else f"{'-':>10}"
            for _, key, digits in columns
        )
        lines.append(f"{path:<24}{cells}\n")
    lines.append("times in ms; +p50: the gateway's overhead over `direct`.\n")
    return "".join(lines)


def report_parts(figures: dict[str, dict[str, float]]) -> dict[str, object]:
    """Headline rows and charts for the bench report."""
    headline: list[dict[str, object]] = [
        {
            "figure": f"{path}: p50 overhead at concurrency 1",
            "value": round(figure["overhead_p50_ms_c1"], 2),
            "unit": "ms",
            "target": {"plugin-server": "<= 2 ms", "in-process": "<= 1 ms"}.get(
                path.split(" ")[0], ""
            ),
        }
        for path, figure in figures.items()
        if path != "direct"
    ]
    if "nginx plain proxy" in figures and "plain" in figures:
        headline.append(
            {
                "figure": "bare proxy hop, local gateway / nginx (p50 overhead at c1)",
                "value": round(
                    figures["plain"]["overhead_p50_ms_c1"]
                    / max(figures["nginx plain proxy"]["overhead_p50_ms_c1"], 0.01),
                    1,
                ),
                "unit": "x",
            }
        )
    charts = [
        {
            "title": "Latency by path (p50)",
            "unit": "ms",
            "groups": {
                "concurrency 1": {p: f["p50_ms_c1"] for p, f in figures.items()},
                f"concurrency {CONCURRENCY}": {p: f["p50_ms_c32"] for p, f in figures.items()},
            },
        },
        {
            "title": f"Throughput by path at concurrency {CONCURRENCY}",
            "unit": "requests/s",
            "bars": {p: f["rps_c32"] for p, f in figures.items()},
        },
    ]
    return {"headline": headline, "charts": charts}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    started = time.perf_counter()
    env = {"PYTHONPATH": str(BENCH_DIR), **session_keys().env("gateway")}
    services: list[RunningService] = []
    nginx = None
    with tempfile.TemporaryDirectory(prefix="trivium-gw-bench-") as scratch:
        folder = Path(scratch)
        redis_server = start_redis_server(folder / "redis")
        try:
            upstream = start_service(
                "_gateway_apps:create_upstream", name="upstream", log_dir=folder, env=env
            )
            services.append(upstream)
            config = gateway_config(upstream.url, redis_server.url, folder)
            client = redis.Redis.from_url(redis_server.url)
            client.hset(
                BUDGET_KEY,
                mapping={
                    "used": 1000,
                    "max": 15000,
                    "remaining": 14000,
                    "observed_at": time.time(),
                },
            )
            client.close()
            gateways: dict[str, str] = {}
            plain_gateway = start_service(
                "trivium_gateway.main:create_app",
                name="gateway-plain",
                log_dir=folder,
                env={
                    **env,
                    "REDIS_URL": redis_server.url,
                    "GATEWAY_CONFIG_PATH": str(plain_config(upstream.url, folder)),
                    "GATEWAY_PLUGIN_MODE": "in-process",
                    "TRIVIUM_LOG_LEVEL": "WARNING",
                },
            )
            services.append(plain_gateway)
            nginx = start_nginx(upstream.url, folder / "nginx")
            for mode in MODES:
                gateway = start_service(
                    "trivium_gateway.main:create_app",
                    name=f"gateway-{mode}",
                    log_dir=folder,
                    env={
                        **env,
                        "REDIS_URL": redis_server.url,
                        "GATEWAY_CONFIG_PATH": str(config),
                        "GATEWAY_PLUGIN_MODE": mode,
                        "TRIVIUM_LOG_LEVEL": "WARNING",
                    },
                )
                services.append(gateway)
                gateways[mode] = gateway.url
            api_key, rep_jwt = credentials()
            # The callee's maximum age (5 minutes) bounds a token's life: a run takes less.
            issuer = session_keys().issuer("gateway", ttl_seconds=300)
            direct_token = issuer.token_for(
                "partner-portal-experience", claims={"consumer": "partner-nordwind"}
            )
            paths: dict[str, tuple[str, dict[str, str]]] = {
                "direct": (
                    upstream.url + "/partner/v1/account",
                    {"Authorization": f"Bearer {direct_token}"},
                )
            }
            direct_headers = paths["direct"][1]
            if nginx is not None:
                paths["nginx plain proxy"] = (nginx.url + "/partner/v1/account", direct_headers)
            paths["plain"] = (plain_gateway.url + "/partner/v1/account", direct_headers)
            for mode, url in gateways.items():
                paths[f"{mode} partner"] = (url + "/partner/v1/account", {"apikey": api_key})
                paths[f"{mode} mobile"] = (
                    url + "/mobile/v1/accounts/1",
                    {"Authorization": f"Bearer {rep_jwt}"},
                )
            figures = asyncio.run(measure(paths, gateways))
            for service in services:
                if any(f["failed"] for f in figures.values()):
                    sys.stderr.write(f"--- {service.name} ---\n{service.log_tail(30)}\n")
        finally:
            if nginx is not None:
                nginx.stop()
            for service in reversed(services):
                service.stop()
            redis_server.stop()
    sys.stdout.write(render(figures))
    sys.stdout.write(f"({time.perf_counter() - started:.0f} s, {os.cpu_count()} CPUs)\n")
    if args.json:
        config_figures = {
            "rounds": ROUNDS,
            "sequential_requests": SEQUENTIAL_REQUESTS,
            "concurrency": CONCURRENCY,
            "throughput_seconds": THROUGHPUT_SECONDS,
            "cpus": os.cpu_count(),
        }
        report = {"config": config_figures, "results": figures, **report_parts(figures)}
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
