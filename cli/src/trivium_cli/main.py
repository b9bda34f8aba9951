"""The `trivium` command: one command group per module of `trivium_cli.commands`."""

from __future__ import annotations

import typer

from trivium_cli.commands import dead_letters, gateway, order, parked, sync, trace
from trivium_cli.settings import CliSettings

app = typer.Typer(
    name="trivium",
    help="Operate a running Trivium suite: orders across systems, dead letters, parked "
    "records, sync status, the Salesforce budget and partner quotas. Calls are signed with "
    "short-lived operator tokens minted from the operator key (see `TRIVIUM_CLI_*`).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(order.order)
app.add_typer(dead_letters.app, name="dead-letters")
app.add_typer(parked.app, name="parked")
app.add_typer(sync.app, name="sync")
app.command()(gateway.budget)
app.command()(gateway.quota)
app.command("trace")(trace.trace)


@app.callback()
def root(ctx: typer.Context) -> None:
    """Read the settings once; tests pass their own as the context's `obj`."""
    if ctx.obj is None:
        ctx.obj = CliSettings()
