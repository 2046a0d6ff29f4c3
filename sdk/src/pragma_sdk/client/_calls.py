"""Every API call, defined once for both clients.

Each method builds its requests, yields them, and parses what comes back; see
``_operation.py`` for how the sync and async clients drive these definitions.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx

from pragma_sdk.client._base import ClientSettings, raise_for_status
from pragma_sdk.client._operation import Call, operation
from pragma_sdk.models import UserInfo, resource_id
from pragma_sdk.resource import Resource

ResourceT = TypeVar("ResourceT", bound=Resource[Any, Any])

LIST_PAGE_SIZE = 1000


def _json(response: httpx.Response) -> Any:
    raise_for_status(response)
    return response.json()


def _parse(document: dict[str, Any], model: type[ResourceT] | None) -> ResourceT | dict[str, Any]:
    return model.model_validate(document) if model is not None else document


class PragmaCalls:
    """The calls of the Pragmatiks API, shared by ``PragmaClient`` and ``AsyncPragmaClient``."""

    _settings: ClientSettings
    _http: httpx.Client | httpx.AsyncClient

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Request:
        if params:
            params = {key: value for key, value in params.items() if value is not None}
        return self._http.build_request(method, path, params=params, json=json)

    @operation
    def is_healthy(self) -> Call[bool]:
        """Return whether the API is reachable and reports itself healthy."""
        try:
            response = yield self._request("GET", "/health")
        except httpx.TransportError:
            return False
        if not response.is_success:
            return False
        try:
            return bool(response.json().get("status") == "ok")
        except ValueError:
            return False

    @operation
    def get_me(self) -> Call[UserInfo]:
        """Return the authenticated user and their organization.

        Raises:
            httpx.HTTPStatusError: 401 when not authenticated.
        """
        response = yield self._request("GET", "/auth/me")
        return UserInfo.model_validate(_json(response))

    @operation
    def list_resources(
        self,
        provider: str | None = None,
        resource: str | None = None,
        tags: list[str] | None = None,
        *,
        model: type[ResourceT] | None = None,
    ) -> Call[list[ResourceT] | list[dict[str, Any]]]:
        """List resources, optionally filtered; follows pages until all are returned.

        Args:
            provider: Only resources of this provider.
            resource: Only resources of this type.
            tags: Only resources carrying every one of these tags.
            model: Parse each resource into this ``Resource`` subclass instead of a dict.
        """
        documents: list[Any] = []
        cursor: str | None = None
        while True:
            params = {
                "provider": provider,
                "resource": resource,
                "tags": tags or None,
                "limit": LIST_PAGE_SIZE,
                "cursor": cursor,
            }
            response = yield self._request("GET", "/resources/", params=params)
            documents.extend(_json(response))
            cursor = response.headers.get("X-Next-Cursor")
            if not cursor:
                parsed: list[Any] = [_parse(document, model) for document in documents]
                return parsed

    @operation
    def list_resource_types(self, provider: str | None = None) -> Call[list[dict[str, Any]]]:
        """List the resource types of deployed providers (provider, resource, schema, description).

        Args:
            provider: Only the types of this provider.
        """
        response = yield self._request("GET", "/resources/types", params={"provider": provider})
        return list(_json(response))

    @operation
    def get_resource(
        self,
        provider: str,
        resource: str,
        name: str,
        *,
        model: type[ResourceT] | None = None,
    ) -> Call[ResourceT | dict[str, Any]]:
        """Get one resource.

        Raises:
            httpx.HTTPStatusError: 404 when there is no such resource.
        """
        response = yield self._request("GET", f"/resources/{resource_id(provider, resource, name)}")
        return _parse(_json(response), model)

    @operation
    def apply_resource(
        self,
        resource: ResourceT | dict[str, Any],
        *,
        model: type[ResourceT] | None = None,
    ) -> Call[ResourceT | dict[str, Any]]:
        """Create a resource or update an existing one; returns the stored resource.

        A typed ``Resource`` is sent with ``provider`` and ``resource`` from its class and
        ``lifecycle_state`` only when it was set on the instance.
        """
        body = resource.to_apply_body() if isinstance(resource, Resource) else resource
        response = yield self._request("POST", "/resources/apply", json=body)
        return _parse(_json(response), model)

    @operation
    def delete_resource(self, provider: str, resource: str, name: str) -> Call[None]:
        """Delete a resource: it enters the deletion lifecycle and is removed after cleanup.

        Raises:
            httpx.HTTPStatusError: 404 when there is no such resource.
        """
        path = f"/resources/{resource_id(provider, resource, name)}"
        response = yield self._request("DELETE", path)
        raise_for_status(response)
        return None
