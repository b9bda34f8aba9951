"""What one span and one traced request cost in one process, tracing off and on.

Each mode runs in a child process of its own (a process installs its tracing once): a service
app with one route that makes one outbound call (a client span), called in-process over httpx's
ASGI transport with a caller's `traceparent`, and spans alone (made, ended and written to a span
file from the event loop, as a service does). CPU time of the process (all threads) per request
and per span; the spans are written as `make run` writes them (`OTEL_BSP_SCHEDULE_DELAY` 5 s).
Run: `.venv/bin/python bench/tracing_micro.py [--json PATH] [--requests 2000] [--processes 3]`.
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
from opentelemetry.trace import SpanKind

from trivium.app import create_service_app
from trivium.circuit_breaker import CircuitBreaker
from trivium.http_client import ResilientTransport
from trivium.settings import ServiceSettings
from trivium.tracing import install_tracing, tracer

CALLER = {"traceparent": f"00-{'a' * 32}-{'b' * 16}-01", "tracestate": "vendor=opaque"}
MODES = {"off": {"OTEL_SDK_DISABLED": "true"}, "on": {}}


async def _requests(traces: Path, count: int, repeats: int) -> list[float]:
    app = create_service_app(
        ServiceSettings(service_name="micro", traces_dir=traces),
        title="micro",
        guard_requests=False,
    )
    downstream = httpx.AsyncClient(
        transport=ResilientTransport(
            httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True})),
            backend="downstream",
            breaker=CircuitBreaker(backend="downstream", failure_threshold=5, reset_seconds=15),
            max_retries=0,
        ),
        base_url="http://downstream",
    )

    async def get_thing(thing_id: str) -> dict[str, str]:
        (await downstream.get(f"/x/{thing_id}")).raise_for_status()
        return {"id": thing_id}

    app.add_api_route("/v1/things/{thing_id}", get_thing, methods=["GET"])
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://micro")
    figures = []
    for _ in range(repeats):
        started = time.process_time()
        for number in range(count):
            response = await client.get(f"/v1/things/{number}", headers=CALLER)
            assert response.status_code == 200
        figures.append((time.process_time() - started) / count * 1e6)
    return figures


async def _spans(traces: Path, count: int, repeats: int) -> list[float]:
    install_tracing(ServiceSettings(service_name="micro", traces_dir=traces))
    figures = []
    for _ in range(repeats):
        started = time.process_time()
        for number in range(count):
            with tracer().start_as_current_span(
                "salesforce query Account",
                kind=SpanKind.CLIENT,
                attributes={"http.request.method": "GET", "trivium.work_id": "Q-1"},
            ) as span:
                span.set_attribute("http.response.status_code", 200 + number % 2)
        figures.append((time.process_time() - started) / count * 1e6)
        await asyncio.sleep(0)
    return figures


def child(what: str, count: int, repeats: int) -> None:
    run = _requests if what == "request" else _spans
    with tempfile.TemporaryDirectory(prefix="trivium-micro-") as traces:
        figures = asyncio.run(run(Path(traces), count, repeats))
    sys.stdout.write(json.dumps(figures) + "\n")


def measure(what: str, mode: str, count: int, repeats: int) -> float:
    env = {**os.environ, "TRIVIUM_LOG_LEVEL": "WARNING", **MODES[mode]}
    env.pop("OTEL_BSP_SCHEDULE_DELAY", None)
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, str(count), str(repeats)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return round(statistics.median(json.loads(out.splitlines()[-1])), 1)


def write_table(summary: dict[str, Any]) -> None:
    request, span = summary["request"], summary["span"]
    sys.stdout.write(
        "CPU µs, the lowest of the processes' medians\n"
        f"request (server span + client span)  off {request['off']:>7}  on {request['on']:>7}"
        f"  tracing {request['tracing_us']:>6}\n"
        f"span alone                           off {span['off']:>7}  on {span['on']:>7}"
        f"  tracing {span['tracing_us']:>6}\n"
    )


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return 0
    parser = argument_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--processes", type=int, default=3, help="Processes per mode, alternating.")
    args = parser.parse_args()
    summary: dict[str, Any] = {}
    for what, count in (("request", args.requests), ("span", args.requests * 5)):
        runs: dict[str, list[float]] = {mode: [] for mode in MODES}
        for _ in range(args.processes):
            for mode in MODES:
                runs[mode].append(measure(what, mode, count, args.repeats))
        off, on = min(runs["off"]), min(runs["on"])
        summary[what] = {"off": off, "on": on, "tracing_us": round(on - off, 1), "runs": runs}
    summary["headline"] = [
        {"figure": "tracing: CPU of one span, made, ended and written (in-process)",
         "value": summary["span"]["tracing_us"], "unit": "µs"},
        {"figure": "tracing: CPU added to one request with one outbound call (in-process)",
         "value": summary["request"]["tracing_us"], "unit": "µs"},
    ]  # fmt: skip
    return publish(summary, args.json, write_table)


if __name__ == "__main__":
    raise SystemExit(main())
