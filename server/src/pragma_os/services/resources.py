"""Resource use cases: apply, read, list and delete, scoped to the caller's organization."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pragma_os.auth import Principal
from pragma_os.engine import lifecycle
from pragma_os.errors import ConflictError, InvalidInputError, NotFoundError
from pragma_os.store import Database
from pragma_os.store import resources as store
from pragma_os.store.errors import AlreadyExistsError
from pragma_os.store.types import utcnow
from pragma_sdk.models import LifecycleState, ResourceApply, is_resource_id

_PRIVATE_COLUMNS = ("pk", "organization_id")
_SPEC_FIELDS = ("config", "dependencies", "owner_references")


def to_document(row: dict[str, Any]) -> dict[str, Any]:
    """The wire document of a stored resource."""
    return {key: value for key, value in row.items() if key not in _PRIVATE_COLUMNS}


def _spec(body: ResourceApply) -> dict[str, Any]:
    return {
        "config": body.config,
        "dependencies": [ref.model_dump(mode="json") for ref in body.dependencies],
        "owner_references": [ref.model_dump(mode="json") for ref in body.owner_references],
    }


async def apply_resource(database: Database, principal: Principal, body: ResourceApply) -> dict[str, Any]:
    """Create or update a resource; an identical re-apply changes nothing."""
    try:
        return await _apply_once(database, principal, body)
    except AlreadyExistsError:
        # A concurrent apply created the same resource between our read and our insert;
        # now it exists, so this apply becomes an update of it.
        return await _apply_once(database, principal, body)


async def _apply_once(database: Database, principal: Principal, body: ResourceApply) -> dict[str, Any]:
    spec = _spec(body)
    resource_id = body.resource_id
    now = utcnow()
    async with database.transaction() as connection:
        row = await store.get_resource(connection, principal.organization_id, resource_id, for_update=True)
        if row is None:
            values: dict[str, Any] = {
                "organization_id": principal.organization_id,
                "id": resource_id,
                "provider": body.provider,
                "resource": body.resource,
                "name": body.name,
                **spec,
                "resolved_config": None,
                "outputs": {},
                "error": None,
                "lifecycle_state": lifecycle.state_after_apply(None, body.wants_processing, False),
                "pending_event_id": None,
                "provisioned": False,
                "tags": body.tags,
                "generation": 1,
                "observed_generation": 0,
                "waiting_on": [],
                "deleting": False,
                "created_at": now,
                "updated_at": now,
            }
            values["pk"] = await store.insert_resource(connection, values)
            return to_document(values)
        if (row["provider"], row["resource"], row["name"]) != (body.provider, body.resource, body.name):
            raise ConflictError(
                f"Resource id '{resource_id}' is already used by "
                f"{row['provider']}/{row['resource']}/{row['name']}; choose another name.",
                field="name",
            )
        changes = _changes(row, body, spec)
        if not changes:
            return to_document(row)
        changes["updated_at"] = now
        await store.update_resource(connection, row, changes)
        return to_document({**row, **changes})


def _changes(row: dict[str, Any], body: ResourceApply, spec: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    spec_changed = any(row[field] != spec[field] for field in _SPEC_FIELDS)
    current = LifecycleState(row["lifecycle_state"])
    if spec_changed:
        changes.update(spec)
        changes["generation"] = row["generation"] + 1
    # Unchanged spec still moves a draft to pending, or a failed resource back to pending.
    if spec_changed or current in (lifecycle.DRAFT, lifecycle.FAILED):
        state = lifecycle.state_after_apply(current, body.wants_processing, row["provisioned"])
        if state is not current:
            changes["lifecycle_state"] = state
            changes["error"] = None
    if body.tags is not None and body.tags != row["tags"]:
        changes["tags"] = body.tags
    return changes


async def get_resource(database: Database, principal: Principal, resource_id: str) -> dict[str, Any]:
    """One resource, or ``NotFoundError``."""
    async with database.reading() as connection:
        row = await store.get_resource(connection, principal.organization_id, resource_id)
    if row is None:
        raise NotFoundError(f"Resource '{resource_id}' not found.", resource_id=resource_id)
    return to_document(row)


@dataclass(frozen=True)
class ResourcePage:
    """A page of resources and the cursor of the next page, if any."""

    documents: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(resource_id: str) -> str:
    """An opaque cursor pointing after ``resource_id``."""
    return base64.urlsafe_b64encode(resource_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The resource id a cursor points after; ``InvalidInputError`` when it is not ours."""
    rule = "must be a value from an X-Next-Cursor header"
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        resource_id = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidInputError("cursor", rule) from error
    if not is_resource_id(resource_id):
        raise InvalidInputError("cursor", rule)
    return resource_id


async def list_resources(
    database: Database,
    principal: Principal,
    *,
    provider: str | None,
    resource: str | None,
    tags: Sequence[str],
    cursor: str | None,
    limit: int | None,
) -> ResourcePage:
    """Resources in id order, filtered; all of them when ``limit`` is None."""
    after = decode_cursor(cursor) if cursor else None
    async with database.reading() as connection:
        rows = await store.list_resources(
            connection,
            principal.organization_id,
            provider=provider,
            resource=resource,
            tags=tags,
            after=after,
            limit=limit + 1 if limit is not None else None,
        )
    next_cursor = None
    if limit is not None and len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1]["id"])
    return ResourcePage([to_document(row) for row in rows], next_cursor)


async def delete_resource(
    database: Database, principal: Principal, resource_id: str
) -> dict[str, Any] | None:
    """Start deleting a resource; returns it on its way out, or ``None`` when already gone.

    A resource that was never provisioned has nothing to clean up and is removed at once;
    a provisioned one is marked ``deleting`` and goes back to ``pending`` for its provider.
    """
    now = utcnow()
    async with database.transaction() as connection:
        row = await store.get_resource(connection, principal.organization_id, resource_id, for_update=True)
        if row is None:
            return None
        if not row["provisioned"]:
            await store.delete_resource(connection, row["pk"])
            return to_document({**row, "deleting": True, "updated_at": now})
        if row["deleting"]:
            return to_document(row)
        changes = {
            "deleting": True,
            "lifecycle_state": lifecycle.state_after_delete(LifecycleState(row["lifecycle_state"])),
            "updated_at": now,
        }
        await store.update_resource(connection, row, changes)
        return to_document({**row, **changes})
