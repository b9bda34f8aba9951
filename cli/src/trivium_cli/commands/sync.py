"""`trivium sync`: customer-sync's loops (where they stand, how far behind, what is parked) and
product syncs started and followed from the command line."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from trivium_cli.client import OperatorClient, OperatorError, operator_client
from trivium_cli.commands.parked import CUSTOMER_SYNC
from trivium_cli.context import cli_settings, operate
from trivium_cli.output import JsonOutput, command_group, emit, table

RUNNING = "running"
SYNC_ALREADY_RUNNING = "sync-already-running"

app = command_group("customer-sync: loop status and product syncs.")


def lag_text(lag: dict[str, Any]) -> str:
    age = lag.get("oldestUnappliedAgeSeconds")
    return f"{lag['events']} changes" + (f", oldest {age:.0f} s" if age is not None else "")


def render_status(status: dict[str, Any]) -> list[str]:
    leader = status.get("leader") or "none (nothing syncs)"
    rows = [
        (
            name,
            loop["state"],
            loop.get("since"),
            lag_text(loop["lag"]),
            loop.get("parked", 0),
            (loop.get("lastError") or {}).get("message"),
        )
        for name, loop in sorted(status["loops"].items())
    ]
    positions = ", ".join(f"{k} {v}" for k, v in sorted(status["changeEvents"].items()))
    watermarks = ", ".join(f"{k} {v}" for k, v in sorted(status["watermarks"].items()))
    polls = status["erpPolls"]
    return [
        f"leader          {leader}",
        f"change events   {positions or '-'}",
        f"ERP watermarks  {watermarks or '-'} (system {polls.get('systemId')}, "
        f"{polls['completed']} polls, last {polls.get('lastCompletedAt')})",
        f"parked          {status['parked']}",
        "",
        *table(("LOOP", "STATE", "SINCE", "LAG", "PARKED", "LAST ERROR"), rows),
    ]


@app.command()
def status(ctx: typer.Context, as_json: JsonOutput = False) -> None:
    """Which replica leads, each loop's state, lag and last error, the change event position
    and ERP watermarks, and how many records are parked (customer-sync's `/status`)."""
    operate(
        ctx,
        lambda client: client.get(CUSTOMER_SYNC, "/status"),
        as_json=as_json,
        render=render_status,
    )


def start_product_sync(client: OperatorClient) -> dict[str, Any]:
    """Start a product sync; when one runs already, that one."""
    try:
        started: dict[str, Any] = client.post(CUSTOMER_SYNC, "/syncs/products")
    except OperatorError as error:
        running = error.problem.get("runningSyncId")
        if not error.problem.get("type", "").endswith(SYNC_ALREADY_RUNNING) or not running:
            raise
        return dict(client.get(CUSTOMER_SYNC, f"/syncs/{running}"))
    return started


def follow(
    client: OperatorClient, sync: dict[str, Any], *, poll_seconds: float, show: bool
) -> dict[str, Any]:
    """Poll the sync until it ends, with a progress bar on stderr when `show`."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    console = Console(stderr=True)
    with Progress(*columns, TimeElapsedColumn(), console=console, disable=not show) as progress:
        task = progress.add_task(f"product sync {sync['id']}", total=sync.get("total"))
        while True:
            progress.update(task, completed=sync["processed"], total=sync.get("total"))
            if sync["status"] != RUNNING:
                return sync
            time.sleep(poll_seconds)
            sync = client.get(CUSTOMER_SYNC, f"/syncs/{sync['id']}")


def render_sync(sync: dict[str, Any]) -> list[str]:
    lines = [
        f"sync {sync['id']} {sync['status']}: {sync['succeeded']} products synced, "
        f"{sync['failed']} failed, {sync['crmBatches']} CRM batches"
        + (f"; {sync['error']}" if sync.get("error") else "")
    ]
    lines += [f"  {f['sku']}: {f['code']}: {f['message']}" for f in sync.get("failures", [])]
    return lines


@app.command()
def products(
    ctx: typer.Context,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Follow the sync until it ends.")
    ] = True,
    poll_seconds: Annotated[float, typer.Option(min=0.1, help="Seconds between looks.")] = 0.5,
    as_json: JsonOutput = False,
) -> None:
    """Sync the ERP's stock and prices to the CRM's products now and follow it with a progress
    bar until it ends (or follow the one running already); exit status 1 if it failed."""
    with operator_client(cli_settings(ctx)) as client:
        sync = start_product_sync(client)
        if wait:
            sync = follow(client, sync, poll_seconds=poll_seconds, show=not as_json)
    emit(sync, as_json=as_json, render=render_sync)
    if sync["status"] == "failed":
        raise typer.Exit(1)
