"""Every command and group of `trivium` answers `--help` with its description."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from trivium_cli.main import app


def command_paths(cli: typer.Typer, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of `cli` and of every command and group below it."""
    yield path
    for command in cli.registered_commands:
        name = command.name or typer.main.get_command_name(command.callback.__name__)
        yield (*path, name)
    for group in cli.registered_groups:
        yield from command_paths(group.typer_instance, (*path, group.name))


COMMAND_PATHS = list(command_paths(app))


class TestHelp:
    @pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda path: " ".join(path) or "trivium")
    def test_every_command_describes_itself(self, path: tuple[str, ...]) -> None:
        result = CliRunner().invoke(app, [*path, "--help"])

        assert result.exit_code == 0, result.output
        assert "Usage: trivium" in result.output
