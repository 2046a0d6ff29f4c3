"""``pragma mcp config``: the snippet that connects a coding assistant to the server's /mcp."""

from __future__ import annotations

import json

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from testing.fixtures.server import RunningServer

from .running import SQLITE_ONLY, Pragma, logged_in


def test_each_client_gets_its_format_with_the_url_and_never_the_token(pragma: Pragma) -> None:
    pragma.ok("config", "set-context", "prod", "--api-url", "https://pragma.example.com/")
    pragma.ok("config", "use-context", "prod")
    secret = "prg_never-printed"
    env = {"PRAGMA_AUTH_TOKEN": secret}

    claude = pragma.ok("mcp", "config", "--client", "claude", env=env)
    assert json.loads(claude.out) == {
        "mcpServers": {
            "pragma": {
                "type": "http",
                "url": "https://pragma.example.com/mcp",
                "headers": {"Authorization": "Bearer ${PRAGMA_AUTH_TOKEN}"},
            }
        }
    }
    assert ".mcp.json" in claude.err

    cursor = pragma.ok("mcp", "config", "--client", "Cursor", "--token-variable", "MY_TOKEN", env=env)
    server = json.loads(cursor.out)["mcpServers"]["pragma"]
    assert server == {
        "url": "https://pragma.example.com/mcp",
        "headers": {"Authorization": "Bearer ${env:MY_TOKEN}"},
    }
    assert ".cursor/mcp.json" in cursor.err

    vscode = json.loads(
        pragma.ok(
            "mcp", "config", "--client", "vscode", "--name", "infra", "--api-url", "http://h:9", env=env
        ).out
    )
    assert vscode["servers"]["infra"] == {
        "type": "http",
        "url": "http://h:9/mcp",
        "headers": {"Authorization": "Bearer ${input:infra-token}"},
    }
    assert vscode["inputs"] == [
        {
            "type": "promptString",
            "id": "infra-token",
            "description": "Pragma API token (prg_...)",
            "password": True,
        }
    ]
    for result in (claude, cursor):
        assert secret not in result.out
        assert secret not in result.err


def test_a_bad_client_or_option_is_a_usage_error_naming_it(pragma: Pragma) -> None:
    unknown = pragma("mcp", "config", "--client", "emacs")
    assert unknown.code == 2, str(unknown)
    line = unknown.error_line()
    assert "'--client'" in line
    assert "'claude', 'cursor', 'vscode'" in line
    assert unknown.out == ""

    missing = pragma("mcp", "config")
    assert missing.code == 2, str(missing)
    assert "Missing option '--client'" in missing.err

    variable = pragma("mcp", "config", "--client", "claude", "--token-variable", "not a name")
    assert variable.code == 2, str(variable)
    assert variable.error_line().startswith("error: --token-variable: ")


@pytest.mark.parametrize("engine_server", SQLITE_ONLY, indirect=True)
async def test_the_snippet_reaches_the_servers_tools(pragma: Pragma, engine_server: RunningServer) -> None:
    logged_in(pragma, engine_server)
    snippet = json.loads(pragma.ok("mcp", "config", "--client", "claude").out)["mcpServers"]["pragma"]
    # What Claude Code does with it: expand the variable, then speak MCP to the URL.
    headers = {
        key: value.replace("${PRAGMA_AUTH_TOKEN}", engine_server.token)
        for key, value in snippet["headers"].items()
    }
    async with (
        httpx.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(snippet["url"], http_client=http) as (reading, writing, _),
        ClientSession(reading, writing) as session,
    ):
        await session.initialize()
        me = await session.call_tool("get_me", {})
    assert not me.isError
    assert me.structuredContent is not None
    assert me.structuredContent["organization_name"] == "default"
