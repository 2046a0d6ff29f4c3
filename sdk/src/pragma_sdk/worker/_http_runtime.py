"""The runtime context handlers get in a worker: subresources through the worker routes of the API.

Each call names the event the calling handler runs for (from its ``HandlerScope``); the server
acts only while this worker holds that event's lease, and only on what the event's resource owns.
"""

from __future__ import annotations

from typing import Any

from pragma_sdk.client import AsyncPragmaClient
from pragma_sdk.provider import current_scope
from pragma_sdk.resource import Resource


class HttpRuntime:
    """``RuntimeContext`` backed by the platform's HTTP API, for the worker ``worker_id``."""

    def __init__(self, client: AsyncPragmaClient, worker_id: str) -> None:
        self._client = client
        self._worker_id = worker_id

    async def apply(self, resource: Resource[Any, Any]) -> Resource[Any, Any]:
        """Apply ``resource`` as a subresource of the running handler's resource; return it as stored."""
        event_id = current_scope("Resource.apply()").event.event_id
        stored = await self._client.apply_subresource(
            event_id, self._worker_id, resource, model=type(resource)
        )
        assert isinstance(stored, Resource)
        return stored

    async def wait_ready(self, resource: Resource[Any, Any], timeout: float) -> Resource[Any, Any]:
        """Wait until ``resource`` is ``ready`` (long polls, not busy polling) and return it."""
        event_id = current_scope("Resource.wait_ready()").event.event_id
        kind = type(resource)
        ready = await self._client.wait_subresource_ready(
            event_id,
            self._worker_id,
            kind.provider,
            kind.resource,
            resource.name,
            timeout=timeout,
            model=kind,
        )
        assert isinstance(ready, Resource)
        return ready
