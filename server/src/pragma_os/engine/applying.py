"""Applying: the checks that can refuse a create or an update, then its transition.

Services call ``apply`` (or ``create_new`` for a batch of new, self-contained resources)
inside their transaction, so a change and the event it causes commit together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypedDict

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine import transitions
from pragma_os.engine.documents import path_of
from pragma_os.engine.graph import find_cycle
from pragma_os.engine.waits import owners_of, targets_of
from pragma_os.engine.wakeups import Touched
from pragma_os.errors import ConflictError, InvalidInputError
from pragma_os.store import links
from pragma_os.store import resources as store
from pragma_os.store.types import Changes, NewResource, ResourceRow, with_changes
from pragma_sdk.models import LifecycleState, ResourceApply

_SPEC_FIELDS: tuple[Literal["config", "dependencies", "owner_references"], ...] = (
    "config",
    "dependencies",
    "owner_references",
)


class Spec(TypedDict):
    """What an apply declares: config, dependencies and owners, as stored."""

    config: dict[str, Any]
    dependencies: list[dict[str, Any]]
    owner_references: list[dict[str, Any]]


def spec_of(body: ResourceApply) -> Spec:
    """What an apply declares: config, dependencies and owners, as stored."""
    return {
        "config": body.config,
        "dependencies": [ref.model_dump(mode="json") for ref in body.dependencies],
        "owner_references": [ref.model_dump(mode="json") for ref in body.owner_references],
    }


async def apply(
    connection: AsyncConnection,
    organization_id: str,
    body: ResourceApply,
    row: ResourceRow | None,
    *,
    now: datetime,
    touched: Touched,
    request_id: str | None = None,
    traceparent: str | None = None,
) -> ResourceRow:
    """Create or update the resource ``body`` declares (``row``: as stored and locked, or None);
    returns it as stored. An identical re-apply writes nothing. ``request_id`` and
    ``traceparent``: of the apply, recorded on the event it queues.

    Every check that can refuse it runs before anything is written, so a caller applying
    several resources in one transaction can go on checking the others after a refusal.

    Raises:
        ConflictError: The id is another resource's, the resource is being deleted, it refers
            to resources being deleted, or it cannot go back to draft.
        InvalidInputError: Its dependencies or owners would form a cycle.
    """
    if row is None:
        values = new_values(organization_id, body, now)
        await check_acyclic(connection, values)
        await check_targets_stay(connection, values)
        [created] = await transitions.create(
            connection, [(values, body.wants_processing, request_id, traceparent)], now=now, touched=touched
        )
        await record_links(connection, created, new=True)
        return created
    check_same_resource(row, body)
    changes = changes_of(row, body)
    if not changes:
        return row
    changes["updated_at"] = now
    updated = with_changes(row, changes)
    if "generation" in changes:
        await check_acyclic(connection, updated)
        await check_targets_stay(connection, updated)
        await record_links(connection, updated, new=False)
    return await transitions.update(
        connection, row, changes, now=now, touched=touched, request_id=request_id, traceparent=traceparent
    )


async def create_new(
    connection: AsyncConnection,
    new: Sequence[tuple[str, ResourceApply, str | None, str | None]],
    *,
    now: datetime,
    touched: Touched,
) -> list[ResourceRow]:
    """Create resources known to be new and to refer to nothing (no links, nothing to check),
    ``(organization_id, body, request_id, traceparent)`` each, with one statement per table; returns them as
    stored.

    Raises:
        AlreadyExistsError: One of them exists already (nothing is written then).
    """
    values = [
        (new_values(organization_id, body, now), body.wants_processing, request_id, traceparent)
        for organization_id, body, request_id, traceparent in new
    ]
    return await transitions.create(connection, values, now=now, touched=touched)


def new_values(organization_id: str, body: ResourceApply, now: datetime) -> NewResource:
    return {
        "organization_id": organization_id,
        "id": body.resource_id,
        "provider": body.provider,
        "resource": body.resource,
        "name": body.name,
        **spec_of(body),
        "resolved_config": None,
        "outputs": {},
        "error": None,
        "pending_event_id": None,
        "provisioned": False,
        "tags": body.tags,
        "generation": 1,
        "observed_generation": 0,
        "deleting": False,
        "error_traceback": None,
        "retry": None,
        "applied_config": None,
        "inputs_digest": None,
        "created_at": now,
        "updated_at": now,
    }


def check_same_resource(row: ResourceRow, body: ResourceApply) -> None:
    """Refuse an apply of ``body`` onto ``row`` (stored under the same id) that cannot update it.

    Raises:
        ConflictError: The id is another resource's, or the resource is being deleted.
    """
    if (row["provider"], row["resource"], row["name"]) != (body.provider, body.resource, body.name):
        raise ConflictError(
            f"Resource id '{row['id']}' is already used by "
            f"{row['provider']}/{row['resource']}/{row['name']}; choose another name.",
            field="name",
        )
    if row["deleting"]:
        raise ConflictError(
            f"Resource '{row['id']}' is being deleted; apply it again once it is gone.", field="name"
        )


def changes_of(row: ResourceRow, body: ResourceApply) -> Changes:
    """The columns an apply of ``body`` changes on ``row`` (empty: an identical re-apply), with
    ``generation`` when its spec changed and the state it moves to (see ``apply_state``).

    Raises:
        IllegalTransitionError: ``draft`` asked for a resource that cannot go back to it.
    """
    spec = spec_of(body)
    changes: Changes = {}
    spec_changed = any(row[field] != spec[field] for field in _SPEC_FIELDS)
    if spec_changed:
        changes.update(spec)
        changes["generation"] = row["generation"] + 1
    # Unchanged spec still moves a draft to pending, or a failed resource back to pending.
    if spec_changed or row["lifecycle_state"] in (LifecycleState.DRAFT, LifecycleState.FAILED):
        transitions.apply_state(row, changes, wants_processing=body.wants_processing)
    if body.tags is not None and body.tags != row["tags"]:
        changes["tags"] = body.tags
    return changes


async def check_acyclic(
    connection: AsyncConnection,
    row: NewResource,
    overlay: Mapping[str, Mapping[str, list[str]]] | None = None,
) -> None:
    """Refuse a config whose dependencies, or whose owners, lead back to the resource itself.

    ``overlay``: by link kind, the links of resources about to change, in place of the stored ones
    (a plan's documents); see ``find_cycle``.

    Raises:
        InvalidInputError: Naming the cycle.
    """
    for kind, targets, field, what in (
        (links.DEPENDENCY, list(targets_of(row)), "dependencies", "depend on"),
        (links.OWNER, owners_of(row), "owner_references", "own"),
    ):
        if not targets:
            continue
        edges = overlay.get(kind) if overlay is not None else None
        cycle = await find_cycle(connection, row["organization_id"], row["id"], targets, kind, overlay=edges)
        if cycle is not None:
            raise InvalidInputError(
                field,
                f"these resources would {what} each other in a cycle: {' -> '.join(cycle)}",
                cycle=cycle,
            )


async def check_targets_stay(connection: AsyncConnection, row: NewResource) -> None:
    """Refuse to depend on, or be owned by, a resource that is being deleted.

    Raises:
        ConflictError: Naming those resources; apply again once they are gone (or re-created).
    """
    linked = [*targets_of(row), *owners_of(row)]
    if not linked:
        return
    refuse_leaving_targets(row, await store.get_resources_by_ids(connection, row["organization_id"], linked))


def refuse_leaving_targets(row: NewResource, documents: Mapping[str, NewResource]) -> None:
    """``check_targets_stay`` given what ``row`` links to as stored (``documents``, by id; may hold more).

    Raises:
        ConflictError: Naming the linked resources being deleted.
    """
    linked = {*targets_of(row), *owners_of(row)}
    leaving = sorted(
        path_of(document)
        for target_id, document in documents.items()
        if target_id in linked and document["deleting"]
    )
    if leaving:
        raise ConflictError(
            f"{path_of(row)} refers to resources that are being deleted: {', '.join(leaving)}. "
            "Apply it again once they are gone.",
            field="config",
            deleting=leaving,
        )


async def record_links(connection: AsyncConnection, row: ResourceRow, *, new: bool) -> None:
    """Store what a resource depends on and who owns it (``new``: nothing stored yet)."""
    targets = targets_of(row)
    pairs = [(links.DEPENDENCY, target) for target in targets]
    pairs += [(links.OWNER, owner) for owner in owners_of(row)]
    if pairs or not new:
        await links.replace_links(connection, row["pk"], row["organization_id"], pairs, replace=not new)
