"""The command groups of ``pragma``, each imported only when a command line uses it.

Importing every group means importing httpx, pydantic and the SDK's clients: a third of a
second before ``pragma --help`` or ``pragma config current-context`` could print anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

import typer
from typer import _click  # Typer's own Click, whose types its groups take
from typer.core import TyperGroup

from pragma_cli.help_text import tidy


@dataclass(frozen=True)
class Group:
    """A command group: the module whose ``app`` holds its commands, and its one-line help."""

    module: str
    help: str


GROUPS = {
    "auth": Group("pragma_cli.commands.auth", "Log in to a server, see who you are, log out."),
    "config": Group("pragma_cli.commands.config", "Switch between servers: contexts and their API URLs."),
    "resources": Group("pragma_cli.commands.resources", "Apply, inspect, tag, delete and watch resources."),
    "providers": Group("pragma_cli.commands.providers", "Create, push, build, deploy and manage providers."),
    "ops": Group("pragma_cli.commands.ops", "Operations: the dead-letter queue."),
    "files": Group("pragma_cli.commands.files", "Upload, download, share, list and delete files."),
    "mcp": Group("pragma_cli.commands.mcp", "Set up coding assistants to use the server's MCP tools."),
    "audit": Group(
        "pragma_cli.commands.audit", "Who applied, deleted, revealed, pushed, deployed: the audit."
    ),
}


def load(name: str) -> TyperGroup:
    """The group ``name`` with its commands (importing its module)."""
    command = typer.main.get_command(import_module(GROUPS[name].module).app)
    assert isinstance(command, TyperGroup)
    command.name = name
    tidy(command)
    return command


class LazyGroups(TyperGroup):
    """The root group: its command groups are imported when one is run, not to list them.

    Help lists each group by its ``GROUPS`` help, without importing it; running a command,
    asking for a group's own help or completing its commands imports the group.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.loaded: dict[str, TyperGroup] = {}
        self.listing = False

    def list_commands(self, ctx: _click.Context) -> list[str]:
        """The command groups, then the commands declared on the root."""
        return [*GROUPS, *super().list_commands(ctx)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        """The group or command ``cmd_name``; only its help while the root's help is written."""
        if cmd_name not in GROUPS:
            return super().get_command(ctx, cmd_name)
        if self.listing:
            return TyperGroup(name=cmd_name, help=GROUPS[cmd_name].help, short_help=GROUPS[cmd_name].help)
        if cmd_name not in self.loaded:
            self.loaded[cmd_name] = load(cmd_name)
        return self.loaded[cmd_name]

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """Write the root's help, listing the groups without importing them."""
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False
