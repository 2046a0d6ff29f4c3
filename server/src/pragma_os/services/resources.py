"""Resource use cases: apply, read, list and delete, scoped to the caller's organization."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.auth import Principal
from pragma_os.engine import applying, deletion
from pragma_os.engine.documents import to_document
from pragma_os.engine.transition_log import act_as
from pragma_os.engine.waits import owners_of
from pragma_os.engine.wakeups import Touched, Wakeups
from pragma_os.errors import ForbiddenError, InvalidInputError, NotFoundError
from pragma_os.services import audit
from pragma_os.services.paging import page_of
from pragma_os.services.worker_notices import WorkerNotices
from pragma_os.store import Database
from pragma_os.store import resources as store
from pragma_os.store.types import ResourceRow, utcnow
from pragma_sdk import tracing
from pragma_sdk.log_format import current_request_id
from pragma_sdk.models import AuditAction, LifecycleState, OwnerReference, ResourceApply, is_resource_id

_NO_SPAN: AbstractContextManager[None] = nullcontext()  # reusable: yields None, does nothing


def apply_span(body: ResourceApply) -> AbstractContextManager[str | None]:
    """The ``apply`` span of ``body`` (a child of the request's ``traceparent``, if it sent
    one), yielding its traceparent for the event; when traces are off nothing is built, as
    applies are the hot path."""
    if not tracing.enabled():
        return _NO_SPAN
    attributes = {
        "pragma.provider": body.provider,
        "pragma.resource": body.resource,
        "pragma.resource_id": body.resource_id,
    }
    return tracing.span(f"apply {body.provider}/{body.resource}", attributes=attributes)


async def apply_in(
    connection: AsyncConnection,
    principal: Principal,
    body: ResourceApply,
    touched: Touched,
    *,
    owner: OwnerReference | None = None,
    request_id: str | None = None,
    traceparent: str | None = None,
) -> dict[str, Any]:
    """Apply ``body`` inside the caller's transaction; returns the stored document.
    ``request_id`` and ``traceparent``: of the request applying it (its ``apply`` span),
    recorded on the event it queues.

    Every check that can refuse it (name clash, a resource being deleted, a cycle, a target
    being deleted) runs before this apply writes anything, so a caller applying several
    resources in one transaction can go on checking the others after a refusal.

    Raises:
        ConflictError: The id is another resource's, the resource is being deleted, or it
            refers to resources being deleted.
        InvalidInputError: Its dependencies or owners would form a cycle.
        ForbiddenError: ``owner`` is given and the resource exists without being owned by it.
    """
    act_as(connection, principal.actor, body.resource_id)
    row = await store.get_resource(connection, principal.organization_id, body.resource_id, for_update=True)
    if owner is not None:
        body = owned_by(owner, body, row)
    stored = await applying.apply(
        connection,
        principal.organization_id,
        body,
        row,
        now=utcnow(),
        touched=touched,
        request_id=request_id,
        traceparent=traceparent,
    )
    if stored is not row:  # an identical re-apply changed nothing
        await audit.record(
            connection,
            principal,
            AuditAction.RESOURCE_APPLY,
            stored["id"],
            created=row is None,
            generation=stored["generation"],
        )
    return to_document(stored)


def owned_by(owner: OwnerReference, body: ResourceApply, row: ResourceRow | None) -> ResourceApply:
    """``body`` applied by a handler of ``owner``: a new resource is owned by ``owner`` alone; an
    existing one keeps its owners and must already count ``owner`` among them.

    Raises:
        ForbiddenError: The resource exists and ``owner`` does not own it.
    """
    if row is None:
        return body.model_copy(update={"owner_references": [owner]})
    if owner.id not in owners_of(row):
        raise ForbiddenError(
            f"{row['provider']}/{row['resource']}/{row['name']} exists and is not owned by {owner.path}; "
            f"a handler of {owner.path} may only apply new resources or those it already owns.",
            resource_id=row["id"],
        )
    owners = [OwnerReference.model_validate(reference) for reference in row["owner_references"]]
    return body.model_copy(update={"owner_references": owners})


async def get_resource(
    database: Database, principal: Principal, resource_id: str, *, notices: WorkerNotices | None = None
) -> dict[str, Any]:
    """One resource, or ``NotFoundError``; with ``notices``, saying when no worker of its
    provider has connected (see ``worker_notices``)."""
    async with database.reading() as connection:
        row = await store.get_resource(connection, principal.organization_id, resource_id)
    if row is None:
        raise NotFoundError(f"Resource '{resource_id}' not found.", resource_id=resource_id)
    document = to_document(row)
    if notices is not None:
        await notices.annotate(principal.organization_id, [document])
    return document


@dataclass(frozen=True)
class ResourcePage:
    """A page of resources and the cursor of the next page, if any."""

    documents: list[dict[str, Any]]
    next_cursor: str | None


CURSOR_RULE = "must be a value from an X-Next-Cursor header (the id of the last resource of a page)"


def encode_cursor(resource_id: str) -> str:
    """The cursor of the page after ``resource_id``: the id itself, so any id is a valid place."""
    return resource_id


def decode_cursor(cursor: str) -> str:
    """The resource id a cursor points after; ``InvalidInputError`` when it is not an id."""
    if not is_resource_id(cursor):
        raise InvalidInputError("cursor", CURSOR_RULE)
    return cursor


async def list_resources(
    database: Database,
    principal: Principal,
    *,
    provider: str | None,
    resource: str | None,
    tags: Sequence[str],
    cursor: str | None,
    limit: int | None,
    notices: WorkerNotices | None = None,
    state: LifecycleState | None = None,
    name_contains: str | None = None,
) -> ResourcePage:
    """Resources in id order, filtered; all of them when ``limit`` is None; with ``notices``,
    saying which wait for a worker of their provider that has not connected."""
    after = decode_cursor(cursor) if cursor is not None else None
    async with database.reading() as connection:
        rows = await store.list_resources(
            connection,
            principal.organization_id,
            provider=provider,
            resource=resource,
            state=state.value if state is not None else None,
            name_contains=name_contains,
            tags=tags,
            after=after,
            limit=limit + 1 if limit is not None else None,
        )
    rows, next_cursor = page_of(rows, limit, lambda row: encode_cursor(row["id"]))
    documents = [to_document(row) for row in rows]
    if notices is not None:
        await notices.annotate(principal.organization_id, documents)
    return ResourcePage(documents, next_cursor)


async def delete_resource(
    database: Database, wakeups: Wakeups, principal: Principal, resource_id: str
) -> dict[str, Any] | None:
    """Start deleting a resource and what it owns; returns it on its way out, or ``None`` when gone.

    A resource that was never provisioned is removed at once; a provisioned one is marked
    ``deleting`` and goes back to ``pending`` for its provider's ``DELETE``.
    """
    touched = Touched()
    async with database.transaction(wakes=touched) as connection:
        row = await store.get_resource(connection, principal.organization_id, resource_id, for_update=True)
        if row is None:
            return None
        act_as(connection, principal.actor)
        deleted = await deletion.delete(
            connection, row, now=utcnow(), touched=touched, request_id=current_request_id()
        )
        await audit.record(connection, principal, AuditAction.RESOURCE_DELETE, resource_id)
    wakeups.notify(touched)
    return to_document(deleted)
