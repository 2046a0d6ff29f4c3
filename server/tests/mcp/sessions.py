"""MCP client sessions against a running server, with the official ``mcp`` client library."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent

from testing.fixtures.server import RunningServer


@asynccontextmanager
async def mcp_session(server: RunningServer, token: str | None = None) -> AsyncIterator[ClientSession]:
    """An initialized session with ``server``'s ``/mcp`` over Streamable HTTP, as ``token``
    (the admin's by default)."""
    headers = {"Authorization": f"Bearer {token or server.token}"}
    async with (
        httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(60, read=300)) as http,
        streamable_http_client(f"{server.url}/mcp", http_client=http) as (reading, writing, _),
        ClientSession(reading, writing) as session,
    ):
        await session.initialize()
        yield session


async def call(session: ClientSession, tool: str, **arguments: Any) -> dict[str, Any]:
    """The structured result of a tool call that must succeed."""
    result = await session.call_tool(tool, arguments)
    assert not result.isError, f"{tool} failed: {error_text(result)}"
    assert result.structuredContent is not None, result
    # The text block says the same as the structured content (for clients that read only text).
    assert json.loads(error_text(result)) == result.structuredContent
    return result.structuredContent


async def refused(session: ClientSession, tool: str, **arguments: Any) -> str:
    """The error text of a tool call that must fail."""
    result = await session.call_tool(tool, arguments)
    assert result.isError, f"{tool} succeeded: {result.structuredContent}"
    text = error_text(result)
    assert "Traceback" not in text, text
    assert 'File "' not in text, text
    return text


def error_text(result: CallToolResult) -> str:
    """The text of a result's one text block."""
    blocks = [block.text for block in result.content if isinstance(block, TextContent)]
    assert len(blocks) == 1, result.content
    return blocks[0]
