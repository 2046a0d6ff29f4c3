"""What a tool works with: the caller the bearer gate admitted, and the app's parts.

The parts (database, apply queue, provider platform …) are made by the app's lifespan and
kept on ``app.state``, as the API's dependencies read them; a tool reads them when it runs.
The caller rides on the HTTP request, which the MCP SDK hands each tool call.
"""

from __future__ import annotations

from typing import Any

from mcp.server.fastmcp import FastMCP
from starlette.datastructures import State

from pragma_os.auth import Principal
from pragma_os.daemons.apply_queue import ApplyQueue
from pragma_os.engine.wakeups import Wakeups
from pragma_os.secrets.sealing import Sealer
from pragma_os.services.providers import ProviderPlatform
from pragma_os.services.worker_notices import WorkerNotices
from pragma_os.settings import Settings
from pragma_os.store import Database

PRINCIPAL_KEY = "pragma_principal"
"""Where the bearer gate puts the caller in the request scope's ``state``."""


class ToolContext:
    """The caller of the running tool call and the parts of the server it may use."""

    def __init__(self, server: FastMCP[Any], state: State, settings: Settings) -> None:
        self._server = server
        self._state = state
        self.settings = settings

    def principal(self) -> Principal:
        """The caller of the tool call being run (the gate let no request in without one)."""
        request = self._server.get_context().request_context.request
        principal = getattr(request, "scope", {}).get("state", {}).get(PRINCIPAL_KEY)
        if not isinstance(principal, Principal):
            raise LookupError("a tool ran outside a request the bearer gate admitted")
        return principal

    @property
    def database(self) -> Database:
        """The server's database."""
        database: Database = self._state.database
        return database

    @property
    def apply_queue(self) -> ApplyQueue:
        """The group-commit queue for applies."""
        queue: ApplyQueue = self._state.apply_queue
        return queue

    @property
    def notices(self) -> WorkerNotices:
        """Says which pending resources wait for a worker that has not connected."""
        notices: WorkerNotices = self._state.worker_notices
        return notices

    @property
    def wakeups(self) -> Wakeups:
        """Signals that wake long-polling workers."""
        wakeups: Wakeups = self._state.dispatcher.wakeups
        return wakeups

    @property
    def sealer(self) -> Sealer:
        """Seals and opens secret values."""
        sealer: Sealer = self._state.dispatcher.sealer
        return sealer

    @property
    def providers(self) -> ProviderPlatform:
        """Pushes, builds and deployments."""
        platform: ProviderPlatform = self._state.providers
        return platform
