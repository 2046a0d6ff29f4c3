"""``pragma config``: contexts, each a server (API URL) with its own stored token."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import RenderableType
from rich.markup import escape
from rich.text import Text

from pragma_cli import contexts
from pragma_cli.errors import CliError, UsageError
from pragma_cli.output import OutputOption, emit, new_table
from pragma_cli.state import state_of
from pragma_sdk import credentials

app = typer.Typer(help="Switch between servers: contexts and their API URLs.", no_args_is_help=True)


@app.command("get-contexts")
def get_contexts(ctx: typer.Context, output: OutputOption = None) -> None:
    """List contexts: their API URLs, whether a token is stored, and the current one (*).

    Examples:
        pragma config get-contexts
        pragma config get-contexts -o yaml
    """
    state = state_of(ctx)
    found = contexts.list_contexts(state.context_name)
    data = [
        {"name": item.name, "api_url": item.api_url, "current": item.current, "logged_in": item.logged_in}
        for item in found
    ]

    def table() -> RenderableType:
        grid = new_table("CURRENT", "NAME", "API URL", "TOKEN")
        for item in found:
            grid.add_row(
                Text("*", style="green") if item.current else "",
                item.name,
                item.api_url,
                Text("stored", style="green") if item.logged_in else Text("none", style="dim"),
            )
        return grid

    emit(state.out, data, state.output_format(output), table)


def _context_source(explicit: str | None) -> str:
    if explicit:
        return "PRAGMA_CONTEXT" if os.environ.get("PRAGMA_CONTEXT") == explicit else "--context"
    if any("current_context" in contexts.load(path) for path in contexts.config_paths()):
        return "config file"
    return "default"


@app.command("current-context")
def current_context(ctx: typer.Context, output: OutputOption = None) -> None:
    """Show the context in use and its API URL.

    The context is --context, else PRAGMA_CONTEXT, else the config's current_context, else
    'default'.

    Examples:
        pragma config current-context
    """
    state = state_of(ctx)
    name = state.context_name
    data = {"name": name, "api_url": state.base_url}

    def table() -> RenderableType:
        grid = new_table("NAME", "API URL", "CHOSEN BY")
        grid.add_row(name, state.base_url, _context_source(state.context))
        return grid

    emit(state.out, data, state.output_format(output), table)


@app.command("use-context")
def use_context(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Context to switch to.")]
) -> None:
    """Make NAME the current context.

    Examples:
        pragma config use-context production
    """
    state = state_of(ctx)
    if not contexts.exists(name):
        raise CliError(
            f"context '{name}' does not exist",
            f"Create it with 'pragma config set-context {name} --api-url URL'",
        )
    contexts.use_context(name)
    state.out.print(f"Switched to context '{escape(name)}'.", soft_wrap=True)
    if os.environ.get("PRAGMA_CONTEXT") and os.environ["PRAGMA_CONTEXT"] != name:
        state.err.print(
            f"Note: PRAGMA_CONTEXT={escape(os.environ['PRAGMA_CONTEXT'])} still wins in this environment.",
            soft_wrap=True,
        )


@app.command("set-context")
def set_context(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Context to create or change.")],
    api_url: Annotated[
        str | None, typer.Option("--api-url", help="The server's API URL (required).", show_default=False)
    ] = None,
) -> None:
    """Create context NAME, or change its API URL. Log in to it with 'pragma auth login'.

    Examples:
        pragma config set-context production --api-url https://pragma.example.com
        pragma --context production auth login
    """
    state = state_of(ctx)
    # The global --api-url is moved in front of the subcommand before parsing; it is this URL.
    url = api_url or state.api_url
    if not url:
        raise UsageError("set-context needs --api-url URL", f"pragma config set-context {name} --api-url URL")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--api-url must start with http:// or https://, not {url!r}")
    contexts.set_context(name, url.rstrip("/"))
    state.out.print(f"Context '{escape(name)}' points at {escape(url)}.", soft_wrap=True)


@app.command("delete-context")
def delete_context(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Context to delete.")]
) -> None:
    """Delete context NAME and its stored token. The current context cannot be deleted.

    Examples:
        pragma config delete-context staging
    """
    state = state_of(ctx)
    if name == state.context_name:
        raise CliError(
            f"context '{name}' is the current context and cannot be deleted",
            "Switch to another one first with 'pragma config use-context NAME'",
        )
    configured = contexts.delete_context(name)
    had_token = credentials.remove_token(name)
    if not configured and not had_token:
        raise CliError(f"context '{name}' does not exist", "See them with 'pragma config get-contexts'")
    state.out.print(f"Deleted context '{escape(name)}'.", soft_wrap=True)
