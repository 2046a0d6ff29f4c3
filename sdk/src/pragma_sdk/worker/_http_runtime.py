"""The runtime context handlers get in a worker: subresources applied through the API."""

from __future__ import annotations

from typing import Any

from pragma_sdk.client import AsyncPragmaClient
from pragma_sdk.resource import Resource


class HttpRuntime:
    """``RuntimeContext`` backed by the platform's HTTP API."""

    def __init__(self, client: AsyncPragmaClient) -> None:
        self._client = client

    async def apply(self, resource: Resource[Any, Any]) -> Resource[Any, Any]:
        """Apply ``resource`` and return it as stored."""
        stored = await self._client.apply_resource(resource, model=type(resource))
        assert isinstance(stored, Resource)
        return stored

    async def wait_ready(self, resource: Resource[Any, Any], timeout: float) -> Resource[Any, Any]:
        """Wait until ``resource`` is ``ready`` (watching, not polling) and return it."""
        kind = type(resource)
        ready = await self._client.wait_ready(
            kind.provider, kind.resource, resource.name, timeout=timeout, model=kind
        )
        assert isinstance(ready, Resource)
        return ready
