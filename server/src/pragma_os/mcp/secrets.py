"""The tool ``reveal_secret``, offered only when the server's ``mcp_reveal_secrets`` is on.

It is the API's audited reveal: each call is in the organization's audit and the server log.
"""

from __future__ import annotations

from typing import Any

from mcp.server.fastmcp import FastMCP
from mcp.types import ToolAnnotations

from pragma_os.mcp.context import ToolContext
from pragma_os.mcp.errors import tool_errors
from pragma_os.mcp.models import RevealedSecret
from pragma_os.mcp.resources import ResourceIdArgument, checked_id
from pragma_os.services import secrets

REVEALING = ToolAnnotations(readOnlyHint=True, openWorldHint=False)


def register(server: FastMCP[Any], context: ToolContext) -> None:
    """Add ``reveal_secret`` to ``server``."""

    @server.tool(annotations=REVEALING)
    @tool_errors
    async def reveal_secret(resource_id: ResourceIdArgument) -> RevealedSecret:
        """Reveal the plaintext values of a ``pragma/secret`` resource (elsewhere they read
        '[redacted]'). Every reveal is recorded in the organization's audit with who asked;
        only reveal a value the user needs to see."""
        revealed = await secrets.reveal_secret(
            context.database, context.sealer, context.principal(), checked_id(resource_id)
        )
        return RevealedSecret.model_validate(revealed)
