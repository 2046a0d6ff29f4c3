"""``pragma auth``: log in with an API token, see who you are, log out."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from rich.console import RenderableType
from rich.markup import escape

from pragma_cli import contexts
from pragma_cli.errors import CliError, doing
from pragma_cli.output import OutputOption, emit, new_table
from pragma_cli.state import state_of
from pragma_sdk import UserInfo, credentials

app = typer.Typer(help="Log in to a server, see who you are, log out.", no_args_is_help=True)


def _read_token() -> str:
    """Ask for the token (hidden) on a terminal; read the first line of stdin otherwise."""
    if sys.stdin.isatty():
        token: str = typer.prompt("API token (prg_...)", hide_input=True)
        return token.strip()
    return sys.stdin.readline().strip()


@app.command()
def login(
    ctx: typer.Context,
    token: Annotated[
        str | None,
        typer.Option(
            "--token", "-t", help="The token; asked for (hidden) when not given.", show_default=False
        ),
    ] = None,
) -> None:
    """Log in: check an API token with the server and store it for the context.

    The token goes to ~/.config/pragma/credentials (mode 600) under the current context, or the
    one --context names. With --api-url, the context's API URL is saved too. A local server
    prints its admin token at first start; 'pragma-os admin create-token' makes new ones.

    Examples:
        pragma auth login
        pragma auth login --token prg_...
        pragma --context prod auth login --api-url https://pragma.example.com
    """
    state = state_of(ctx)
    given = token or state.token or _read_token()
    if not given:
        raise CliError("no token given", "Pass --token prg_... or type the token when asked")
    context = state.context_name
    with state.client(token=given) as client, doing(f"log in to {state.base_url}", context=context):
        user = client.get_me()
    if state.api_url:
        contexts.set_context(context, state.api_url)
    path = credentials.store_token(context, given)
    state.out.print(
        f"Logged in to {escape(state.base_url)} as {escape(user.email or user.user_id)} "
        f"(organization {escape(user.organization_name or user.organization_id)}); "
        f"token saved for context '{escape(context)}' in {escape(str(path))}.",
        soft_wrap=True,
    )


@app.command()
def whoami(ctx: typer.Context, output: OutputOption = None) -> None:
    """Show the user and organization the token in use belongs to.

    Examples:
        pragma auth whoami
        pragma auth whoami -o json
    """
    state = state_of(ctx)
    with state.client() as client, doing("get the current user", context=state.context_name):
        user: UserInfo = client.get_me()

    def table() -> RenderableType:
        grid = new_table("FIELD", "VALUE")
        grid.add_row("email", user.email or "-")
        grid.add_row("user", user.user_id)
        grid.add_row("organization", f"{user.organization_name or '-'} ({user.organization_id})")
        grid.add_row("context", state.context_name)
        grid.add_row("api url", state.base_url)
        return grid

    emit(state.out, user, state.output_format(output), table)


@app.command()
def logout(ctx: typer.Context) -> None:
    """Forget the stored token of the context (the server keeps the token valid).

    Examples:
        pragma auth logout
        pragma --context prod auth logout
    """
    state = state_of(ctx)
    context = state.context_name
    removed = credentials.remove_token(context)
    if removed:
        state.out.print(f"Logged out of context '{escape(context)}': its token was removed.", soft_wrap=True)
    else:
        state.out.print(f"Context '{escape(context)}' had no stored token.", soft_wrap=True)
    variables = [
        name for name in ("PRAGMA_AUTH_TOKEN", credentials.token_variable(context)) if os.environ.get(name)
    ]
    if variables:
        state.err.print(
            f"Note: {' and '.join(variables)} still set a token in this environment.", soft_wrap=True
        )
