"""The tool ``get_me``: who the token belongs to."""

from __future__ import annotations

from typing import Any

from mcp.server.fastmcp import FastMCP
from mcp.types import ToolAnnotations

from pragma_os.mcp.context import ToolContext
from pragma_os.mcp.errors import tool_errors
from pragma_sdk.models import UserInfo

READ_ONLY = ToolAnnotations(readOnlyHint=True, openWorldHint=False)


def register(server: FastMCP[Any], context: ToolContext) -> None:
    """Add the account tool to ``server``."""

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def get_me() -> UserInfo:
        """Who you are: the user and the organization of the API token this assistant uses.

        Every other tool sees and changes only this organization's resources, providers and
        dead letters.
        """
        principal = context.principal()
        return UserInfo(
            user_id=principal.user_id or principal.token_id,
            email=principal.email,
            organization_id=principal.organization_id,
            organization_name=principal.organization_name,
        )
