"""``McpEndpoint``: the MCP server at ``/mcp``, on the official SDK's Streamable HTTP transport.

Stateless, with JSON responses: each POST is a complete exchange that any replica can answer,
so several replicas need no sticky sessions. ``BearerGate`` admits only requests with a
user's API token; the tools call the same services the API's routers call.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.server.fastmcp.server import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ContentBlock
from pydantic import ValidationError
from starlette.datastructures import State
from starlette.types import ASGIApp

from pragma_os.mcp import account, dead_letters, providers, resources, secrets
from pragma_os.mcp.context import ToolContext
from pragma_os.mcp.errors import validation_text
from pragma_os.mcp.gate import BearerGate
from pragma_os.settings import Settings

PATH = "/mcp"

INSTRUCTIONS = (
    "Pragma manages infrastructure as resources ('provider/resource/name' with a config), "
    "processed by providers. Apply with apply_resource, then follow get_resource_status until "
    "ready or failed; failed events land in the dead letters, which can be retried once the "
    "cause is fixed. Providers are pushed (push_provider), built (get_build_logs) and deployed "
    "(deploy_provider). Everything is scoped to the organization of the API token."
)


# Room for the JSON-RPC envelope and the other arguments around a pushed archive.
_ENVELOPE_BYTES = 64 * 1024


def max_request_bytes(settings: Settings) -> int:
    """The largest MCP request: ``push_provider`` carries the archive in base64 in the JSON."""
    return max(settings.max_body_bytes, settings.max_push_bytes * 4 // 3 + _ENVELOPE_BYTES)


def _quiet_sdk_construction() -> logging.Handler:
    """FastMCP configures the root logger when the root has no handler (``basicConfig``) and
    logs every request at INFO; the server's logging is its own (``log_output``)."""
    placeholder = logging.NullHandler()
    logging.getLogger().addHandler(placeholder)
    logging.getLogger("mcp").setLevel(logging.WARNING)
    return placeholder


class PragmaMCP(FastMCP[Any]):
    """FastMCP whose argument errors name the field and the rule without echoing the value.

    The SDK validates a call's arguments before the tool runs and answers pydantic's text,
    which repeats the input (a config may hold secrets); the API never echoes it either.
    """

    async def call_tool(
        self, name: str, arguments: dict[str, Any]
    ) -> Sequence[ContentBlock] | dict[str, Any]:
        """Call the tool ``name``; invalid ``arguments`` are a tool error of ``field: rule`` lines."""
        try:
            return await super().call_tool(name, arguments)
        except ToolError as error:
            if isinstance(error.__cause__, ValidationError):
                raise ToolError(
                    f"Invalid arguments for tool {name}: {validation_text(error.__cause__)}"
                ) from None
            raise


class McpEndpoint:
    """The MCP server: its tools, its ASGI app behind the bearer gate, its session manager."""

    def __init__(self, settings: Settings, state: State) -> None:
        placeholder = _quiet_sdk_construction()
        try:
            self.server: FastMCP[Any] = PragmaMCP(
                name="pragma",
                instructions=INSTRUCTIONS,
                stateless_http=True,
                json_response=True,
                max_request_body_size=max_request_bytes(settings),
                streamable_http_path=PATH,
                # Every request carries a bearer token, which DNS rebinding cannot add; the
                # server also answers under names (proxies, replicas) no list here would know.
                transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
            )
        finally:
            logging.getLogger().removeHandler(placeholder)
        context = ToolContext(self.server, state, settings)
        for tools in (account, resources, providers, dead_letters):
            tools.register(self.server, context)
        if settings.mcp_reveal_secrets:
            secrets.register(self.server, context)
        self.server.streamable_http_app()  # makes the session manager
        self.app: ASGIApp = BearerGate(StreamableHTTPASGIApp(self.server.session_manager), state)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Serve MCP requests for the duration of the block (the app's lifespan)."""
        async with self.server.session_manager.run():
            yield
