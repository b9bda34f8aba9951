"""CPU of one guarded request with one outbound call, through a service app built by trivium.

The per-request path every service shares, in one process: the request middlewares (correlation
id, server span, metrics, token check, body limit), the route's service-token dependency, and one
outbound call through the resilient client (client span, context headers, service token, retry
rules, breaker, metrics) to a backend answered in memory. The app is called over httpx's ASGI
transport, whose own cost is part of every figure, so differences are what compare.
CPU time of the process per request, the median of the repeats; `--processes` runs alternate
in separate processes and the lowest median is the figure.
Run: `.venv/bin/python bench/request_micro.py [--json PATH] [--requests 2000] [--processes 3]`.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _script import argument_parser, publish
from fastapi import APIRouter

from trivium.app import create_service_app
from trivium.http_client import ResilientTransport, create_http_client
from trivium.service_auth import system_api_router
from trivium.settings import ServiceSettings

CALLER = {"traceparent": f"00-{'a' * 32}-{'b' * 16}-01", "x-correlation-id": "micro-1"}
WARM_UP = 200


async def _requests(traces: Path, count: int, repeats: int) -> list[float]:
    # The app signs its own tokens: a process API calling its own route, as a System API is called.
    app = create_service_app(
        ServiceSettings(service_name="quote-to-order", traces_dir=traces), title="micro"
    )
    issuer = app.state.service_token_issuer
    downstream = create_http_client(backend="downstream", base_url="http://downstream")
    # The client services use, answered in memory instead of over the loopback.
    resilient = downstream._transport
    assert isinstance(resilient, ResilientTransport)
    resilient.inner = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))
    resilient.service_token = lambda: issuer.token_for("erp-system")
    router = APIRouter()

    @router.get("/v1/things/{thing_id}")
    async def get_thing(thing_id: str) -> dict[str, str]:
        (await downstream.get(f"/x/{thing_id}")).raise_for_status()
        return {"id": thing_id}

    app.include_router(system_api_router([router]))
    headers = {**CALLER, "authorization": f"Bearer {issuer.token_for('quote-to-order')}"}
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://micro")
    for number in range(WARM_UP):
        response = await client.get(f"/v1/things/{number}", headers=headers)
        assert response.status_code == 200, response.text
    figures = []
    for _ in range(repeats):
        started = time.process_time()
        for number in range(count):
            await client.get(f"/v1/things/{number}", headers=headers)
        figures.append((time.process_time() - started) / count * 1e6)
    return figures


def child(count: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory(prefix="trivium-micro-") as traces:
        figures = asyncio.run(_requests(Path(traces), count, repeats))
    sys.stdout.write(json.dumps(figures) + "\n")


def measure(count: int, repeats: int) -> float:
    env = {**os.environ, "TRIVIUM_LOG_LEVEL": "WARNING"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(count), str(repeats)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures: list[float] = json.loads(out.splitlines()[-1])
    return round(statistics.median(figures), 1)


def write_table(summary: dict[str, Any]) -> None:
    sys.stdout.write(
        f"CPU µs per request (one outbound call), lowest of the processes' medians: "
        f"{summary['request_us']}  runs {summary['runs']}\n"
    )


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), int(sys.argv[3]))
        return 0
    parser = argument_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--processes", type=int, default=3)
    args = parser.parse_args()
    runs = [measure(args.requests, args.repeats) for _ in range(args.processes)]
    summary: dict[str, Any] = {"request_us": min(runs), "runs": runs}
    summary["headline"] = [
        {"figure": "CPU of one guarded request with one outbound call (in-process)",
         "value": summary["request_us"], "unit": "µs"},
    ]  # fmt: skip
    return publish(summary, args.json, write_table)


if __name__ == "__main__":
    raise SystemExit(main())
