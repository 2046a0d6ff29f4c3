"""Entry point of the ``pragma`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from pragma_cli import __version__

app = typer.Typer(name="pragma", help="Manage Pragmatiks resources and providers.", no_args_is_help=True)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"pragma {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Manage Pragmatiks resources and providers."""


def main() -> None:
    """Run the ``pragma`` command."""
    app()
