"""What every command reads from the command line's context: the settings."""

from __future__ import annotations

import typer

from trivium_cli.settings import CliSettings


def cli_settings(ctx: typer.Context) -> CliSettings:
    """The settings the root command put on the context (tests pass their own as `obj`)."""
    settings = ctx.find_root().obj
    if not isinstance(settings, CliSettings):
        raise RuntimeError("the trivium root command sets CliSettings on the context")
    return settings
