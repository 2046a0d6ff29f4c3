"""``ApplyQueue``: every apply goes through it; new, self-contained resources applied at the
same time are written together by one background writer."""

from __future__ import annotations

import asyncio
from typing import Any

from pragma_os.auth import Principal
from pragma_os.builtin.sealing import seal_secret_config
from pragma_os.engine import applying
from pragma_os.engine.documents import to_document
from pragma_os.engine.references import find_targets
from pragma_os.engine.transition_log import act_as
from pragma_os.engine.wakeups import Touched, Wakeups
from pragma_os.secrets.sealing import Sealer
from pragma_os.services import audit
from pragma_os.services.config_validation import ConfigValidator
from pragma_os.services.resources import apply_in, apply_span
from pragma_os.store import Database
from pragma_os.store import resources as store
from pragma_os.store.errors import AlreadyExistsError
from pragma_os.store.types import ResourceRow, utcnow
from pragma_sdk.log_format import current_request_id
from pragma_sdk.models import AuditAction, OwnerReference, ResourceApply


async def _apply_prepared(
    database: Database,
    wakeups: Wakeups,
    principal: Principal,
    body: ResourceApply,
    *,
    owner: OwnerReference | None = None,
    request_id: str | None = None,
    traceparent: str | None = None,
) -> dict[str, Any]:
    """Create or update a resource from a body ``ApplyQueue.prepare`` checked and sealed, and
    queue its processing; an identical re-apply changes nothing.

    With ``owner``, the apply comes from a handler of that resource: see ``owned_by``.
    """
    touched = Touched()
    try:
        document = await _apply_once(database, principal, body, touched, owner, request_id, traceparent)
    except AlreadyExistsError:
        # A concurrent apply created the same resource between our read and our insert;
        # now it exists, so this apply becomes an update of it.
        document = await _apply_once(database, principal, body, touched, owner, request_id, traceparent)
    wakeups.notify(touched)
    return document


_MAX_BATCH = 256
# Who applies what, the owner (from a handler), the request id and traceparent, and where the
# answer goes.
_Pending = tuple[
    Principal, ResourceApply, OwnerReference | None, str | None, str | None, asyncio.Future[dict[str, Any]]
]


class ApplyQueue:
    """Group commit for applies: concurrent applies of new, self-contained resources share one
    transaction and one statement per table.

    Applies queue up while a batch is being written, so the batch size follows the load: one
    at a time when idle, hundreds under pressure. Anything else (an update, references,
    owners, a batch in which another apply created one of them first) is applied one by one,
    through the same checks and engine verbs.
    """

    def __init__(
        self, database: Database, wakeups: Wakeups, validator: ConfigValidator, sealer: Sealer
    ) -> None:
        self._database = database
        self._wakeups = wakeups
        self._validator = validator
        self._sealer = sealer
        self._waiting: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None

    async def apply(
        self, principal: Principal, body: ResourceApply, *, owner: OwnerReference | None = None
    ) -> dict[str, Any]:
        """Create or update a resource and queue its processing, batched with concurrent
        applies; an identical re-apply changes nothing. The event it queues records the
        request id of the calling request (its log context), which the writer cannot see, and
        the traceparent of the ``apply`` span this runs in when traces are exported.

        Raises:
            InvalidInputError: The config breaks its type's registered schema (which also marks
                the dependencies written without a marker: see ``dependency_fields``).
            ForbiddenError: ``owner`` is given and the resource exists without being owned by it.
        """
        body = await self.prepare(principal, body)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        if owner is not None:
            body = body.model_copy(update={"owner_references": [owner]})  # owned: never batched
        request_id = current_request_id()
        with apply_span(body) as parent:
            self._waiting.append((principal, body, owner, request_id, parent, future))
            if self._writer is None or self._writer.done():
                self._writer = asyncio.create_task(self._write_all())
            return await future

    async def prepare(self, principal: Principal, body: ResourceApply) -> ResourceApply:
        """``body`` as it is stored: its config checked against its type's registered schema
        (which also marks the dependencies written without a marker), secret values sealed.

        Raises:
            InvalidInputError: The config breaks its type's registered schema.
        """
        config = await self._validator.conform(
            principal.organization_id, body.provider, body.resource, body.config
        )
        config = seal_secret_config(body.provider, body.resource, config, self._sealer)
        if config is not body.config:
            body = body.model_copy(update={"config": config})
        return body

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:_MAX_BATCH], self._waiting[_MAX_BATCH:]
            try:
                singles = await self._write_batch(batch)
            except AlreadyExistsError:
                singles = batch  # another apply (or replica) created one of them: one by one
            except Exception as error:
                for *_item, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for principal, body, owner, request_id, traceparent, future in singles:
                try:
                    result = await _apply_prepared(
                        self._database,
                        self._wakeups,
                        principal,
                        body,
                        owner=owner,
                        request_id=request_id,
                        traceparent=traceparent,
                    )
                except Exception as error:
                    if not future.done():
                        future.set_exception(error)
                else:
                    if not future.done():
                        future.set_result(result)

    async def _write_batch(self, batch: list[_Pending]) -> list[_Pending]:
        """Insert the new, self-contained resources of ``batch``; returns the rest."""
        now = utcnow()
        singles = []
        candidates: dict[tuple[str, str], _Pending] = {}
        for item in batch:
            principal, body, *_rest = item
            key = (principal.organization_id, body.resource_id)
            # Owners, explicit dependencies or references in the config need links: one by one.
            if key in candidates or body.owner_references or body.dependencies or find_targets(body.config):
                singles.append(item)
            else:
                candidates[key] = item
        if not candidates:
            return singles
        touched = Touched()
        created: list[tuple[asyncio.Future[dict[str, Any]], ResourceRow]] = []
        async with self._database.transaction(wakes=touched) as connection:
            by_organization: dict[str, list[str]] = {}
            for organization_id, resource_id in candidates:
                by_organization.setdefault(organization_id, []).append(resource_id)
            for organization_id, resource_ids in by_organization.items():
                existing = await store.get_resources_by_ids(connection, organization_id, resource_ids)
                for resource_id in existing:
                    singles.append(candidates.pop((organization_id, resource_id)))
            if candidates:
                new = []
                for principal, body, _owner, request_id, traceparent, _future in candidates.values():
                    act_as(connection, principal.actor, body.resource_id)
                    new.append((principal.organization_id, body, request_id, traceparent))
                rows = await applying.create_new(connection, new, now=now, touched=touched)
                await audit.record_entries(
                    connection,
                    [
                        audit.entry(
                            principal, AuditAction.RESOURCE_APPLY, row["id"], created=True, generation=1
                        )
                        for (principal, *_item), row in zip(candidates.values(), rows, strict=True)
                    ],
                )
                futures = [future for *_item, future in candidates.values()]
                created.extend(zip(futures, rows, strict=True))
        self._wakeups.notify(touched)
        for future, values in created:
            if not future.done():
                future.set_result(to_document(values))
        return singles


async def _apply_once(
    database: Database,
    principal: Principal,
    body: ResourceApply,
    touched: Touched,
    owner: OwnerReference | None,
    request_id: str | None,
    traceparent: str | None,
) -> dict[str, Any]:
    async with database.transaction(wakes=touched) as connection:
        return await apply_in(
            connection, principal, body, touched, owner=owner, request_id=request_id, traceparent=traceparent
        )
