"""The MCP server at ``/mcp``: tools for coding assistants over the API's services (docs/mcp.md).

``server.McpEndpoint`` builds it; ``gate`` authenticates; one module of tools per concern
(``account``, ``resources``, ``providers``, ``dead_letters``, ``secrets``).
"""

from pragma_os.mcp.server import PATH, McpEndpoint, max_request_bytes

__all__ = ["PATH", "McpEndpoint", "max_request_bytes"]
