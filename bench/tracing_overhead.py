"""What tracing costs on the order path: partner orders through the whole suite with tracing off
and on (every trace sampled, spans written to the span files), CPU time per order and latency.

Starts the whole suite (`_full_stack.py`) once per round, alternately with `OTEL_SDK_DISABLED=true`
(no spans) and with tracing as `make run` has it: span files, every trace sampled, and the spans
a process finished written every 5 s (`OTEL_BSP_SCHEDULE_DELAY`'s default, which `make run` and
the deployments keep, and the OTLP batch processor's as well; the test harness, which the suite
is started with, writes every 100 ms so that tests find the spans at once, and that is set back
here). It places partner orders of 5 lines through the gateway: a warm-up, then `--orders` at
concurrency 1 and as many at concurrency 8. The figure that matters is the CPU time per order
summed over every process of the suite (user + system, from `/proc`): on a shared or small
machine it moves far less with the load of others than latency does. Target: tracing on costs
at most 5 % more CPU per order.
Run: `.venv/bin/python bench/tracing_overhead.py [--json PATH] [--orders 100] [--rounds 2]`.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _full_stack import FullStack, cpu_seconds, full_stack, partner_key
from _load import new_session, run_load
from _script import argument_parser, publish
from end_to_end import order_request

from trivium.span_files import read_span_files
from trivium_testing.services import traces_dir

MODES = {"off": {"OTEL_SDK_DISABLED": "true"}, "on": {"OTEL_BSP_SCHEDULE_DELAY": "5000"}}
TARGET_PERCENT = 5.0


def cpu_seconds_by_service(stack: FullStack) -> dict[str, float]:
    return {name: cpu_seconds(service) for name, service in stack.services().items()}


async def measure_orders(stack: FullStack, *, orders: int, run: str) -> dict[str, Any]:
    """CPU per order and latency of partner orders at concurrency 1 and 8."""
    gateway, key = stack.gateway.url, partner_key("gold")
    figures: dict[str, Any] = {}
    async with new_session(concurrency=8) as session:
        await run_load(session, order_request(gateway, key, f"{run}-warm"), concurrency=4,
                       requests=20)  # fmt: skip
        for concurrency in (1, 8):
            before = cpu_seconds_by_service(stack)
            result = await run_load(
                session,
                order_request(gateway, key, f"{run}-c{concurrency}"),
                concurrency=concurrency,
                requests=orders,
                max_seconds=300,
            )
            placed = max(result.statuses.get(201, 0), 1)
            used = {
                name: (seconds - before[name]) * 1000 / placed
                for name, seconds in cpu_seconds_by_service(stack).items()
            }
            figures[f"c{concurrency}"] = {
                **result.figures(),
                "cpu_ms_per_order": round(sum(used.values()), 2),
                # Where tracing's CPU lands, process by process.
                "cpu_ms_per_order_by_service": {name: round(ms, 2) for name, ms in used.items()},
            }
    return figures


def one_round(mode: str, *, orders: int, run: str) -> dict[str, Any]:
    """Start the suite with tracing `mode`, measure, and count the spans it wrote."""
    with tempfile.TemporaryDirectory(prefix="trivium-tracing-") as scratch:
        with full_stack(Path(scratch), env=MODES[mode]) as stack:
            figures = asyncio.run(measure_orders(stack, orders=orders, run=run))
            spans_dir = traces_dir(stack.gateway.log_path.parent)
        # Read once the stack stopped: every process has written its last spans.
        figures["spans"] = len(read_span_files(spans_dir).spans)
    return figures


def summarize(rounds: dict[str, list[dict[str, Any]]], orders: int) -> dict[str, Any]:
    """Median per mode of each figure, and the overhead of tracing on them."""

    def median(mode: str, concurrency: str, figure: str) -> float:
        return round(statistics.median(r[concurrency][figure] for r in rounds[mode]), 2)

    summary: dict[str, Any] = {"orders_per_round": orders, "rounds": rounds}
    for concurrency in ("c1", "c8"):
        row = {
            mode: {
                "cpu_ms_per_order": median(mode, concurrency, "cpu_ms_per_order"),
                "p50_ms": median(mode, concurrency, "p50_ms"),
                "rps": median(mode, concurrency, "rps"),
            }
            for mode in MODES
        }
        off, on = row["off"], row["on"]
        row["cpu_overhead_percent"] = round(
            (on["cpu_ms_per_order"] / off["cpu_ms_per_order"] - 1) * 100, 1
        )
        row["p50_overhead_percent"] = round((on["p50_ms"] / off["p50_ms"] - 1) * 100, 1)
        summary[concurrency] = row
    summary["c8_cpu_ms_per_order_by_service"] = {
        name: {
            mode: round(
                statistics.median(
                    r["c8"]["cpu_ms_per_order_by_service"][name] for r in rounds[mode]
                ),
                2,
            )
            for mode in MODES
        }
        for name in rounds["on"][0]["c8"]["cpu_ms_per_order_by_service"]
    }
    total_orders = 2 * orders + 20
    summary["spans_per_order"] = round(
        statistics.median(r["spans"] for r in rounds["on"]) / total_orders, 1
    )
    summary["headline"] = [
        {"figure": "tracing: CPU per order, off -> on (c8)",
         "value": f"{summary['c8']['off']['cpu_ms_per_order']} -> "
                  f"{summary['c8']['on']['cpu_ms_per_order']}", "unit": "ms"},
        {"figure": "tracing: CPU overhead per order (c8)",
         "value": summary["c8"]["cpu_overhead_percent"], "unit": "%",
         "target": f"<= {TARGET_PERCENT:g} %"},
        {"figure": "tracing: spans per order", "value": summary["spans_per_order"]},
    ]  # fmt: skip
    return summary


def write_table(summary: dict[str, Any]) -> None:
    rows = [("", "tracing", "CPU ms/order", "p50 ms", "orders/s")]
    for concurrency in ("c1", "c8"):
        row = summary[concurrency]
        rows += [
            (concurrency, mode, f"{row[mode]['cpu_ms_per_order']:.2f}",
             f"{row[mode]['p50_ms']:.2f}", f"{row[mode]['rps']:.1f}")
            for mode in MODES
        ]  # fmt: skip
        rows.append(("", "overhead", f"{row['cpu_overhead_percent']:.1f} %",
                     f"{row['p50_overhead_percent']:.1f} %", ""))  # fmt: skip
    table = [f"{a:<6}{b:<10}{c:>14}{d:>10}{e:>10}" for a, b, c, d, e in rows]
    sys.stdout.write(
        f"partner orders through the suite, {summary['orders_per_round']} per concurrency and "
        f"round, {len(summary['rounds']['on'])} round(s) per mode (medians)\n"
        + "\n".join(table)
        + f"\nspans per order with tracing on: {summary['spans_per_order']}\n"
        + "CPU ms per order by process at c8, off -> on: "
        + ", ".join(
            f"{name} {row['off']:.2f} -> {row['on']:.2f}"
            for name, row in summary["c8_cpu_ms_per_order_by_service"].items()
        )
        + "\n"
    )


def main() -> int:
    parser = argument_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100, help="Orders per concurrency and round.")
    parser.add_argument("--rounds", type=int, default=2, help="Rounds per mode, alternating.")
    args = parser.parse_args()
    started = time.perf_counter()
    rounds: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    for number in range(args.rounds):
        for mode in MODES:
            rounds[mode].append(one_round(mode, orders=args.orders, run=f"r{number}-{mode}"))
    summary = summarize(rounds, args.orders)
    sys.stdout.write(f"({time.perf_counter() - started:.0f} s)\n")
    return publish(summary, args.json, write_table)


if __name__ == "__main__":
    raise SystemExit(main())
