"""``pragma mcp``: set up a coding assistant (Claude Code, Cursor, VS Code) to use the server's MCP tools.

The snippet names the server's ``/mcp`` URL and takes the token from an environment variable
(or, in VS Code, a prompted input kept in its secret storage), so no token lands in a file
that might be committed.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Annotated, Any

import typer

from pragma_cli.errors import UsageError
from pragma_cli.state import state_of

app = typer.Typer(help="Set up coding assistants to use the server's MCP tools.", no_args_is_help=True)


@app.callback()
def mcp() -> None:
    """Set up coding assistants to use the server's MCP tools (see docs/mcp.md)."""


_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Client(StrEnum):
    """The assistants ``pragma mcp config`` writes a snippet for."""

    CLAUDE = "claude"
    CURSOR = "cursor"
    VSCODE = "vscode"


def snippet(client: Client, name: str, url: str, variable: str) -> dict[str, Any]:
    """The configuration ``client`` reads to reach the MCP server at ``url`` as ``name``."""
    if client is Client.CLAUDE:  # .mcp.json of Claude Code expands ${VAR} in headers
        server = {"type": "http", "url": url, "headers": {"Authorization": f"Bearer ${{{variable}}}"}}
        return {"mcpServers": {name: server}}
    if client is Client.CURSOR:  # .cursor/mcp.json expands ${env:VAR}
        return {
            "mcpServers": {name: {"url": url, "headers": {"Authorization": f"Bearer ${{env:{variable}}}"}}}
        }
    # .vscode/mcp.json: VS Code asks for the token once and keeps it in its secret storage.
    prompt = {
        "type": "promptString",
        "id": f"{name}-token",
        "description": "Pragma API token (prg_...)",
        "password": True,
    }
    server = {"type": "http", "url": url, "headers": {"Authorization": f"Bearer ${{input:{name}-token}}"}}
    return {"inputs": [prompt], "servers": {name: server}}


def _where(client: Client, variable: str) -> str:
    if client is Client.CLAUDE:
        return (
            f"Save it as .mcp.json in your project (or merge it into ~/.claude.json), and start Claude "
            f"Code where {variable} holds your API token. Check with 'claude mcp list'."
        )
    if client is Client.CURSOR:
        return (
            f"Save it as .cursor/mcp.json in your project (or ~/.cursor/mcp.json), and start Cursor "
            f"where {variable} holds your API token."
        )
    return (
        "Save it as .vscode/mcp.json in your workspace; VS Code asks for the API token when the "
        "server first starts (run 'MCP: List Servers')."
    )


@app.command("config")
def config(
    ctx: typer.Context,
    client: Annotated[
        Client,
        typer.Option("--client", help="The assistant to set up.", case_sensitive=False, show_default=False),
    ],
    name: Annotated[str, typer.Option("--name", help="The server's name in the assistant.")] = "pragma",
    token_variable: Annotated[
        str,
        typer.Option("--token-variable", help="Environment variable the assistant reads the token from."),
    ] = "PRAGMA_AUTH_TOKEN",
) -> None:
    """Print the configuration that connects a coding assistant to this server's MCP tools.

    The URL is the context's API URL (or --api-url) with /mcp. The token is never printed:
    Claude Code and Cursor read it from an environment variable, VS Code asks for it.

    Examples:
        pragma mcp config --client claude > .mcp.json
        pragma mcp config --client cursor > .cursor/mcp.json
        pragma mcp config --client vscode > .vscode/mcp.json
    """
    if not _VARIABLE.fullmatch(token_variable):
        raise UsageError(f"--token-variable: {token_variable!r} must be an environment variable name")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
        raise UsageError(f"--name: {name!r} must be 1 to 64 letters, digits, '_', '-' or '.'")
    state = state_of(ctx)
    url = f"{state.base_url}/mcp"
    typer.echo(json.dumps(snippet(client, name, url, token_variable), indent=2))
    state.err.print(_where(client, token_variable), highlight=False, soft_wrap=True)
