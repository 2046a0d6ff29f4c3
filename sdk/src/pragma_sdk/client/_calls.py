"""Every API call, defined once for both clients.

Each method builds its requests, yields them, and parses what comes back; see
``_operation.py`` for how the sync and async clients drive these definitions.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import httpx
from pydantic_core import to_jsonable_python

from pragma_sdk.client._base import path_segment, raise_for_status, response_json, response_model
from pragma_sdk.client._files import FileCalls
from pragma_sdk.client._operation import Call, operation
from pragma_sdk.client._watch import ready_document
from pragma_sdk.errors import NotFoundError, PragmaAPIError, ResourceFailedError
from pragma_sdk.models import (
    AuditAction,
    AuditEvent,
    BuildInfo,
    DeploymentResult,
    DeployRequest,
    LifecycleState,
    ProviderDeleteResult,
    ProviderInfo,
    ProviderStatus,
    PushResult,
    ResourceGraph,
    ResourcePlan,
    RollbackRequest,
    UserInfo,
    resource_id,
)
from pragma_sdk.provider._protocol import (
    CompleteRequest,
    CompleteResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    LeaseRequest,
    LeaseResponse,
    QueryAnswer,
)
from pragma_sdk.resource import KEEP_REFERENCES, Resource

ResourceT = TypeVar("ResourceT", bound=Resource[Any, Any])

HISTORY_PAGE_SIZE = 1000
LIST_PAGE_SIZE = 1000
# One long poll of ``wait_subresource_ready``: well under the server's limit and proxies' idle cuts.
SUBRESOURCE_WAIT_SECONDS = 20.0


def _with_force(body: dict[str, Any], force: bool) -> dict[str, Any]:
    """A deploy or rollback body, ``force`` sent only when set (older servers never see it)."""
    body.pop("force", None)
    return {**body, "force": True} if force else body


def parse_document(document: dict[str, Any], model: type[ResourceT] | None) -> ResourceT | dict[str, Any]:
    """``document`` as ``model`` when one is given, else as it is.

    A reference in the config stays a reference (``FieldReference``, or the ``${...}``
    string) even where the field's type takes only the value it stands for: see ``Config``.
    """
    if model is None:
        return document
    return model.model_validate(document, context=KEEP_REFERENCES)


def apply_body(resource: Resource[Any, Any] | dict[str, Any]) -> Any:
    """The JSON body that applies ``resource``: a typed ``Resource`` as ``to_apply_body`` gives
    it; in a dict, pydantic models (``FieldReference``, ``Dependency``, a ``Config``...),
    dates and enums become their JSON form."""
    if isinstance(resource, Resource):
        return resource.to_apply_body()
    return to_jsonable_python(resource, by_alias=True)


def _not_found(answer: httpx.Response, missing: str) -> NotFoundError:
    """The error for a resource that was not there, as a 404 answers it."""
    message = f"Resource '{missing}' not found."
    response = httpx.Response(
        404, json={"detail": {"message": message, "resource_id": missing}}, request=answer.request
    )
    return NotFoundError(request=answer.request, response=response)


class PragmaCalls(FileCalls):
    """The calls of the Pragmatiks API, shared by ``PragmaClient`` and ``AsyncPragmaClient``.

    The file calls are in ``FileCalls``.
    """

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
        return UserInfo.model_validate(response_json(response))

    @operation
    def list_resources(
        self,
        provider: str | None = None,
        resource: str | None = None,
        tags: list[str] | None = None,
        *,
        model: type[ResourceT] | None = None,
        state: LifecycleState | str | None = None,
        name_contains: str | None = None,
    ) -> Call[list[ResourceT] | list[dict[str, Any]]]:
        """List resources, optionally filtered; follows pages until all are returned.

        Args:
            provider: Only resources of this provider.
            resource: Only resources of this type.
            tags: Only resources carrying every one of these tags.
            model: Parse each resource into this ``Resource`` subclass instead of a dict.
            state: Only resources in this lifecycle state.
            name_contains: Only resources whose name contains this text, ignoring case.
        """
        documents: list[Any] = []
        cursor: str | None = None
        while True:
            params = {
                "provider": provider,
                "resource": resource,
                "tags": tags or None,
                "state": None if state is None else LifecycleState(state).value,
                "name_contains": name_contains,
                "limit": LIST_PAGE_SIZE,
                "cursor": cursor,
            }
            response = yield self._request("GET", "/resources/", params=params)
            documents.extend(response_json(response))
            cursor = response.headers.get("X-Next-Cursor")
            if not cursor:
                parsed: list[Any] = [parse_document(document, model) for document in documents]
                return parsed

    @operation
    def get_graph(self, provider: str | None = None) -> Call[ResourceGraph]:
        """The dependency and ownership graph of the organization's resources (the first 500).

        An edge goes from a resource to what it depends on (``kind`` ``"dependency"``) or to
        its owner (``"owner"``); ``truncated`` when there were more than 500 resources.

        Args:
            provider: Only this provider's resources.
        """
        response = yield self._request("GET", "/resources/graph", params={"provider": provider})
        return ResourceGraph.model_validate(response_json(response))

    @operation
    def get_resource_graph(
        self, provider: str, resource: str, name: str, *, depth: int = 1
    ) -> Call[ResourceGraph]:
        """The graph around one resource: what is up to ``depth`` links away (1 to 5),
        following dependencies and owner references both ways; shaped as ``get_graph``'s.

        Raises:
            httpx.HTTPStatusError: 404 when there is no such resource.
        """
        path = f"/resources/{resource_id(provider, resource, name)}/graph"
        response = yield self._request("GET", path, params={"depth": depth})
        return ResourceGraph.model_validate(response_json(response))

    @operation
    def list_resource_types(self, provider: str | None = None) -> Call[list[dict[str, Any]]]:
        """List the resource types of deployed providers (provider, resource, schema, description).

        Args:
            provider: Only the types of this provider.
        """
        response = yield self._request("GET", "/resources/types", params={"provider": provider})
        return list(response_json(response))

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
        return parse_document(response_json(response), model)

    @operation
    def get_resource_history(
        self,
        provider: str,
        resource: str,
        name: str,
        *,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Call[list[dict[str, Any]]]:
        """The history of a resource: one entry per lifecycle transition, newest first (see
        ``ResourceHistoryEntry``). A deleted resource's history stays readable until the
        server's retention trims it.

        Args:
            provider: The resource's provider.
            resource: The resource's type.
            name: The resource's name.
            limit: At most this many entries (1 to 1000); without it, every entry.
            cursor: Start after this entry: ``str(entries[-1]["id"])`` of the previous page.

        Raises:
            httpx.HTTPStatusError: 404 when there is no such resource and no history of one.
        """
        path = f"/resources/{resource_id(provider, resource, name)}/history"
        entries: list[dict[str, Any]] = []
        while True:
            page_size = HISTORY_PAGE_SIZE if limit is None else min(limit - len(entries), HISTORY_PAGE_SIZE)
            response = yield self._request("GET", path, params={"limit": page_size, "cursor": cursor})
            entries.extend(response_json(response))
            cursor = response.headers.get("X-Next-Cursor")
            if not cursor or (limit is not None and len(entries) >= limit):
                return entries

    @operation
    def plan_resources(
        self,
        resources: Sequence[Resource[Any, Any] | dict[str, Any]] = (),
        *,
        delete: Sequence[str | dict[str, Any]] = (),
    ) -> Call[ResourcePlan]:
        """What applying ``resources`` (in order, as ``apply_resources`` would) and deleting
        ``delete`` would do, without changing anything.

        The plan says per resource whether it would be created, updated, left alone (``noop``),
        deleted or refused (and why), the field changes (secrets redacted), its references and
        what they resolve to now, what a delete takes along; and the ripple: the dependents that
        will run again (``reruns``), that run again if a handler returns other outputs
        (``may_rerun``), or that wait. Pass its ``token`` as ``plan_token`` to
        ``apply_resources`` to refuse the apply (409) if anything changed since.

        Args:
            resources: The resources to apply, typed or as dicts.
            delete: The resources to delete, as ``"resource:provider_resource_name"`` or
                ``{"provider", "resource", "name"}``.

        Raises:
            httpx.HTTPStatusError: 422 when a document is malformed (a refusal by the rules is
                an entry of the plan, not an error).
        """
        body = {"apply": [apply_body(resource) for resource in resources], "delete": list(delete)}
        response = yield self._request("POST", "/resources/plan", json=body)
        return ResourcePlan.model_validate(response_json(response))

    @operation
    def apply_resource(
        self,
        resource: ResourceT | dict[str, Any],
        *,
        model: type[ResourceT] | None = None,
        plan_token: str | None = None,
    ) -> Call[ResourceT | dict[str, Any]]:
        """Create a resource or update an existing one; returns the stored resource.

        A typed ``Resource`` is sent with ``provider`` and ``resource`` from its class and
        ``lifecycle_state`` only when it was set on the instance.

        Args:
            resource: The resource to apply.
            model: Parse the answer into this ``Resource`` subclass instead of a dict.
            plan_token: The ``token`` of ``plan_resources([resource])``: refused (409) if
                anything that plan read has changed since.
        """
        params = {"plan_token": plan_token} if plan_token is not None else None
        response = yield self._request("POST", "/resources/apply", json=apply_body(resource), params=params)
        return parse_document(response_json(response), model)

    @operation
    def apply_resources(
        self,
        resources: list[ResourceT] | list[dict[str, Any]] | list[ResourceT | dict[str, Any]],
        *,
        model: type[ResourceT] | None = None,
        plan_token: str | None = None,
    ) -> Call[list[ResourceT] | list[dict[str, Any]]]:
        """Create or update several resources at once: all of them, or none.

        Every resource is checked as ``apply_resource`` checks one (its type's schema,
        references, cycles among them and with what exists) before any is stored. Returns the
        stored resources in the order given. With ``plan_token`` (the ``token`` of
        ``plan_resources`` of the same resources), refused with 409 if anything that plan read
        has changed since.

        Raises:
            httpx.HTTPStatusError: 422 (409 when each refusal is a clash with stored state) when
                any was refused; nothing was applied. ``response.json()["detail"]["errors"]``
                lists every problem, each naming its field as ``documents[<index>].<field>``.
        """
        body = {"documents": [apply_body(resource) for resource in resources]}
        params = {"plan_token": plan_token} if plan_token is not None else None
        response = yield self._request("POST", "/resources/apply/batch", json=body, params=params)
        documents = response_json(response)["resources"]
        parsed: list[Any] = [parse_document(document, model) for document in documents]
        return parsed

    @operation
    def delete_resource(self, provider: str, resource: str, name: str) -> Call[None]:
        """Delete a resource: it enters the deletion lifecycle and is removed after cleanup.

        Raises:
            NotFoundError: There is no such resource (an ``httpx.HTTPStatusError`` with status
                404; the server answers 204 for a resource already gone).
            httpx.HTTPStatusError: 409 when other resources still depend on it.
        """
        path = f"/resources/{resource_id(provider, resource, name)}"
        response = yield self._request("DELETE", path)
        raise_for_status(response)
        if response.status_code == 204:
            raise _not_found(response, resource_id(provider, resource, name))
        return None

    @operation
    def list_audit_events(
        self, action: AuditAction | str | None = None, *, limit: int | None = None
    ) -> Call[list[AuditEvent]]:
        """List the organization's audit, newest first: who applied, deleted, revealed, pushed,
        deployed, rolled back, retried or discarded what, and when; follows pages.

        Args:
            action: Only entries of this action (such as ``secret.reveal``).
            limit: At most this many entries (the newest); all of them when None.
        """
        entries: list[AuditEvent] = []
        cursor: str | None = None
        while limit is None or len(entries) < limit:
            page_size = LIST_PAGE_SIZE if limit is None else min(LIST_PAGE_SIZE, limit - len(entries))
            params = {"action": action, "limit": page_size, "cursor": cursor}
            response = yield self._request("GET", "/audit", params=params)
            entries.extend(AuditEvent.model_validate(entry) for entry in response_json(response))
            cursor = response.headers.get("X-Next-Cursor")
            if not cursor:
                break
        return entries

    @operation
    def list_dead_letter_events(self, provider: str | None = None) -> Call[list[dict[str, Any]]]:
        """List events that failed for good and await a decision: retry or discard.

        Args:
            provider: Only the events of this provider.
        """
        response = yield self._request("GET", "/ops/dead-letter", params={"provider": provider})
        return list(response_json(response))

    @operation
    def get_dead_letter_event(self, event_id: str) -> Call[dict[str, Any]]:
        """Get one dead letter event, with its ``error`` and ``payload``.

        Raises:
            httpx.HTTPStatusError: 404 when there is no such event.
        """
        response = yield self._request("GET", f"/ops/dead-letter/{event_id}")
        return dict(response_json(response))

    @operation
    def retry_dead_letter_event(self, event_id: str) -> Call[None]:
        """Queue a dead letter event again; its resource goes back to ``pending``."""
        response = yield self._request("POST", f"/ops/dead-letter/{event_id}/retry")
        raise_for_status(response)
        return None

    @operation
    def retry_all_dead_letter_events(self) -> Call[int]:
        """Queue every dead letter event again; returns how many."""
        response = yield self._request("POST", "/ops/dead-letter/retry-all")
        return int(response_json(response)["retried_count"])

    @operation
    def delete_dead_letter_event(self, event_id: str) -> Call[None]:
        """Discard a dead letter event without retrying it."""
        response = yield self._request("DELETE", f"/ops/dead-letter/{event_id}")
        raise_for_status(response)
        return None

    @operation
    def delete_dead_letter_events(
        self,
        provider: str | None = None,
        *,
        all: bool = False,  # noqa: A002 - the guide's name
    ) -> Call[int]:
        """Discard dead letter events of one provider, or all of them; returns how many.

        Raises:
            ValueError: Neither ``provider`` nor ``all=True`` was given.
        """
        if provider is None and not all:
            raise ValueError("delete_dead_letter_events needs provider=... or all=True")
        params = {"provider": provider, "all": "true" if all else None}
        response = yield self._request("DELETE", "/ops/dead-letter", params=params)
        return int(response_json(response)["deleted_count"])

    @operation
    def lease_events(self, request: LeaseRequest) -> Call[LeaseResponse]:
        """Worker protocol: lease events, waiting up to ``request.wait_seconds`` for some."""
        response = yield self._request(
            "POST",
            "/workers/lease",
            model=request,
            timeout=request.wait_seconds + self._settings.timeout,
        )
        return response_model(response, LeaseResponse)

    @operation
    def heartbeat_events(self, request: HeartbeatRequest) -> Call[HeartbeatResponse]:
        """Worker protocol: extend the leases of events still being handled."""
        response = yield self._request("POST", "/workers/heartbeat", model=request)
        return response_model(response, HeartbeatResponse)

    @operation
    def complete_events(self, request: CompleteRequest) -> Call[CompleteResponse]:
        """Worker protocol: report the results of handled events."""
        response = yield self._request("POST", "/workers/complete", model=request)
        return response_model(response, CompleteResponse)

    @operation
    def answer_query(self, query_id: str, answer: QueryAnswer) -> Call[None]:
        """Worker protocol: answer a provider query (a resource's health or logs)."""
        response = yield self._request(
            "POST", f"/workers/queries/{query_id}", json=answer.model_dump(mode="json")
        )
        raise_for_status(response)
        return None

    @operation
    def apply_subresource(
        self,
        event_id: str,
        worker_id: str,
        resource: ResourceT | dict[str, Any],
        *,
        model: type[ResourceT] | None = None,
    ) -> Call[ResourceT | dict[str, Any]]:
        """Worker protocol: apply a subresource of the resource of an event the worker holds.

        The server makes it owned by the event's resource; it refuses (403) a resource that
        exists without being owned by it, and (409) a worker that no longer holds the lease.
        """
        body = apply_body(resource)
        path = f"/workers/events/{path_segment(event_id)}/apply"
        response = yield self._request("POST", path, json={"worker_id": worker_id, "resource": body})
        return parse_document(response_json(response), model)

    def _subresource_request(
        self, event_id: str, worker_id: str, provider: str, resource: str, name: str, wait_seconds: float
    ) -> httpx.Request:
        path = (
            f"/workers/events/{path_segment(event_id)}/resources/"
            f"{path_segment(resource_id(provider, resource, name))}"
        )
        params = {"worker_id": worker_id, "wait_seconds": wait_seconds}
        return self._request("GET", path, params=params, timeout=wait_seconds + self._settings.timeout)

    @operation
    def get_subresource(
        self,
        event_id: str,
        worker_id: str,
        provider: str,
        resource: str,
        name: str,
        *,
        model: type[ResourceT] | None = None,
    ) -> Call[ResourceT | dict[str, Any]]:
        """Worker protocol: a resource owned by the resource of an event the worker holds.

        Raises:
            httpx.HTTPStatusError: 404 when the event's resource owns no such resource, 409
                when the worker no longer holds the lease.
        """
        response = yield self._subresource_request(event_id, worker_id, provider, resource, name, 0.0)
        return parse_document(response_json(response), model)

    @operation
    def wait_subresource_ready(
        self,
        event_id: str,
        worker_id: str,
        provider: str,
        resource: str,
        name: str,
        *,
        timeout: float = 60.0,
        model: type[ResourceT] | None = None,
    ) -> Call[ResourceT | dict[str, Any]]:
        """Worker protocol: wait until a resource owned by the event's resource is ``ready``.

        Long polls: the server answers once it is ready or failed, so nothing polls in a loop.

        Raises:
            TimeoutError: Not ready within ``timeout`` seconds.
            ResourceFailedError: It ended in ``failed``, was deleted, or the event's resource
                does not own it.
            httpx.HTTPStatusError: 409 when the worker no longer holds the lease.
        """
        path = f"{provider}/{resource}/{name}"
        deadline = time.monotonic() + timeout
        while True:
            remaining = max(deadline - time.monotonic(), 0.0)
            wait = min(remaining, SUBRESOURCE_WAIT_SECONDS)
            response = yield self._subresource_request(event_id, worker_id, provider, resource, name, wait)
            if response.status_code == 404:
                failure = PragmaAPIError.from_response(response)
                raise ResourceFailedError(resource_id(provider, resource, name), failure.message)
            if (document := ready_document(response_json(response), path)) is not None:
                return parse_document(document, model)
            if remaining <= 0:
                raise TimeoutError(f"{path} was not ready within {timeout:g} s")

    @operation
    def reveal_secret(self, name: str) -> Call[dict[str, Any]]:
        """The plaintext values of your ``pragma/secret`` ``name``: ``{"id", "name", "data"}``.

        Secrets show ``[redacted]`` everywhere else; the server logs every reveal.
        """
        path = f"/resources/{path_segment(resource_id('pragma', 'secret', name))}/reveal"
        return dict(response_json((yield self._request("POST", path))))

    @operation
    def get_resource_health(self, provider: str, resource: str, name: str) -> Call[dict[str, Any]]:
        """Ask the resource's provider for its health: ``{status, message, details}``."""
        path = f"/resources/{resource_id(provider, resource, name)}/health"
        return dict(response_json((yield self._request("GET", path))))

    @operation
    def get_resource_logs(
        self, provider: str, resource: str, name: str, *, since: datetime | None = None, tail: int = 100
    ) -> Call[list[dict[str, Any]]]:
        """Ask the resource's provider for its recent log lines (``timestamp, message, level``)."""
        path = f"/resources/{resource_id(provider, resource, name)}/logs"
        params = {"tail": tail, "since": since.isoformat() if since else None}
        return list(response_json((yield self._request("GET", path, params=params))))

    @operation
    def list_providers(self) -> Call[list[ProviderInfo]]:
        """List the tenant's providers with their deployed version and deployment status.

        A provider that was pushed but never deployed has ``deployment_status`` and
        ``current_version`` ``None``.
        """
        response = yield self._request("GET", "/providers/")
        return [ProviderInfo.model_validate(item) for item in response_json(response)]

    @operation
    def list_builds(self, provider_id: str) -> Call[list[BuildInfo]]:
        """List a provider's builds, newest first (the server returns up to 10).

        Args:
            provider_id: The provider's name.
        """
        response = yield self._request("GET", f"/providers/{path_segment(provider_id)}/builds")
        return [BuildInfo.model_validate(item) for item in response_json(response)]

    @operation
    def push_provider(self, provider_id: str, tarball: bytes) -> Call[PushResult]:
        """Push a provider: upload its source code and start a build.

        Follow the build with ``get_build_status`` or ``stream_build_logs``, then deploy it
        with ``deploy_provider``.

        Args:
            provider_id: The provider's name.
            tarball: The provider's source directory as a gzipped tar archive (``.tar.gz``).

        Returns:
            The build's CalVer ``version`` and its ``status``, usually ``BuildStatus.PENDING``.
        """
        files = {"code": (f"{provider_id}.tar.gz", tarball, "application/gzip")}
        response = yield self._request("POST", f"/providers/{path_segment(provider_id)}/push", files=files)
        return PushResult.model_validate(response_json(response))

    @operation
    def get_build_status(self, provider_id: str, version: str) -> Call[BuildInfo]:
        """Get one build of a provider; ``error_message`` says why when it failed.

        Args:
            provider_id: The provider's name.
            version: The build's CalVer version, such as ``"20250115.120000"``.

        Raises:
            httpx.HTTPStatusError: 404 when there is no such build.
        """
        path = f"/providers/{path_segment(provider_id)}/builds/{path_segment(version)}"
        return BuildInfo.model_validate(response_json((yield self._request("GET", path))))

    @operation
    def deploy_provider(
        self, provider_id: str, version: str | None = None, *, force: bool = False
    ) -> Call[ProviderStatus]:
        """Deploy a provider build; deploying an older version rolls back to it.

        The server starts the rollout and answers at once: the status is usually
        ``DeploymentStatus.PROGRESSING``; follow it with ``get_deployment_status``.

        Args:
            provider_id: The provider's name.
            version: The build's CalVer version; ``None`` deploys the latest successful build.
            force: Deploy even when the version lacks a resource type that resources of the
                organization still use; they are then left without a handler.

        Raises:
            httpx.HTTPStatusError: 404 when there is no such build; 409 when the version lacks
                a resource type still in use (the detail lists ``dropped_types`` and
                ``resources``) and ``force`` is not set; 422 when the build has not
                succeeded, there is no successful one, or ``version`` is not a CalVer version.
        """
        # Not validated here: the server judges the version and says what is wrong with it.
        body = _with_force(DeployRequest.model_construct(version=version).model_dump(mode="json"), force)
        response = yield self._request("POST", f"/providers/{path_segment(provider_id)}/deploy", json=body)
        return ProviderStatus.model_validate(response_json(response))

    @operation
    def rollback_provider(
        self, provider_id: str, version: str, *, force: bool = False
    ) -> Call[DeploymentResult]:
        """Roll a provider back to an earlier build: deploy that version again.

        The build must exist and have succeeded. The server starts the rollout and answers at
        once, usually with ``DeploymentStatus.PROGRESSING``; follow it with
        ``get_deployment_status``. Rolling back to the version that is already deployed and
        available changes nothing and answers ``DeploymentStatus.AVAILABLE``.

        Args:
            provider_id: The provider's name.
            version: The build's CalVer version, such as ``"20250115.120000"``; ``list_builds``
                shows them.
            force: Roll back even when that version lacks a resource type that resources of
                the organization still use; they are then left without a handler.

        Returns:
            The rollout: ``status``, the ``version`` rolled out, and a ``message``.

        Raises:
            httpx.HTTPStatusError: 404 when there is no such provider or build, 400 when the
                build cannot be deployed (it has not succeeded), 409 when it lacks a resource
                type still in use (the detail lists ``dropped_types`` and ``resources``) and
                ``force`` is not set, 422 when ``version`` is not a CalVer version.
        """
        body = _with_force(RollbackRequest.model_construct(version=version).model_dump(mode="json"), force)
        path = f"/providers/{path_segment(provider_id)}/rollback"
        response = yield self._request("POST", path, json=body)
        return DeploymentResult.model_validate(response_json(response))

    @operation
    def get_deployment_status(self, provider_id: str) -> Call[ProviderStatus]:
        """Get where a provider's deployment stands: status, version and whether it is healthy.

        Raises:
            httpx.HTTPStatusError: 404 when the provider is not deployed.
        """
        response = yield self._request("GET", f"/providers/{path_segment(provider_id)}/deployment")
        return ProviderStatus.model_validate(response_json(response))

    @operation
    def delete_provider(self, provider_id: str, *, cascade: bool = False) -> Call[ProviderDeleteResult]:
        """Delete a provider: its deployment, resource types and pending events.

        Args:
            provider_id: The provider's name.
            cascade: Delete the provider's resources too; without it a provider that still has
                resources is not deleted.

        Raises:
            httpx.HTTPStatusError: 409 when the provider has resources and ``cascade`` is false.
        """
        params = {"cascade": "true" if cascade else "false"}
        response = yield self._request("DELETE", f"/providers/{path_segment(provider_id)}", params=params)
        return ProviderDeleteResult.model_validate(response_json(response))
