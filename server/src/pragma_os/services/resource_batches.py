"""Applying several resources at once: every document checked, then all written or none.

Each document goes through the checks of a single apply (``ApplyQueue.prepare``: the
registered schema; ``resources.apply_in``: name clashes, resources being deleted, cycles) in
one transaction, in order, so a document sees the ones before it: two documents that refer
to each other in a cycle are found like a cycle with what is stored. The transaction is
rolled back when any document was refused, and the refusal lists every problem found.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pragma_os.auth import Principal
from pragma_os.daemons.apply_queue import ApplyQueue
from pragma_os.engine.wakeups import Touched, Wakeups
from pragma_os.errors import BatchRefusedError, PragmaError
from pragma_os.services.resources import apply_in, apply_span
from pragma_os.store import Database
from pragma_os.store.errors import AlreadyExistsError
from pragma_sdk.log_format import current_request_id
from pragma_sdk.models import ResourceApply


class _RefusedError(Exception):
    """Rolls the batch's transaction back; carries what was refused."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("batch refused")
        self.errors = errors


async def apply_batch(
    database: Database,
    wakeups: Wakeups,
    queue: ApplyQueue,
    principal: Principal,
    bodies: Sequence[ResourceApply],
) -> list[dict[str, Any]]:
    """Apply every document of ``bodies`` in one transaction; returns their stored documents, in order.

    Raises:
        BatchRefusedError: At least one document was refused; nothing was written. Its
            ``errors`` name each problem as ``documents[<index>].<field>`` with its rule.
    """
    errors: list[dict[str, Any]] = []
    prepared: list[tuple[int, ResourceApply]] = []
    first_index: dict[str, int] = {}
    for index, body in enumerate(bodies):
        earlier = first_index.setdefault(body.resource_id, index)
        if earlier != index:
            errors.append(
                _entry(
                    index, "name", f"applies the same resource as documents[{earlier}]; apply it once", 422
                )
            )
            continue
        try:
            prepared.append((index, await queue.prepare(principal, body)))
        except PragmaError as error:
            errors.extend(_entries(index, error))
    try:
        documents = await _write(database, principal, prepared, errors, len(bodies), wakeups)
    except AlreadyExistsError:
        # A concurrent apply created one of them between our read and our insert: the second
        # round sees it and updates it instead.
        documents = await _write(database, principal, prepared, errors, len(bodies), wakeups)
    return documents


async def _write(
    database: Database,
    principal: Principal,
    prepared: list[tuple[int, ResourceApply]],
    refused: list[dict[str, Any]],
    total: int,
    wakeups: Wakeups,
) -> list[dict[str, Any]]:
    touched = Touched()
    documents: list[dict[str, Any]] = []
    request_id = current_request_id()
    try:
        async with database.transaction(wakes=touched) as connection:
            errors = list(refused)
            for index, body in prepared:
                try:
                    with apply_span(body) as parent:
                        applied = await apply_in(
                            connection, principal, body, touched, request_id=request_id, traceparent=parent
                        )
                    documents.append(applied)
                except PragmaError as error:  # checked before it wrote: go on checking the others
                    errors.extend(_entries(index, error))
            if errors:
                raise _RefusedError(errors)
    except _RefusedError as refusal:
        errors = sorted(refusal.errors, key=lambda entry: entry["index"])
        raise BatchRefusedError(errors, total) from None
    wakeups.notify(touched)
    return documents


def _entry(index: int, field: str | None, rule: str, status: int, **extra: Any) -> dict[str, Any]:
    where = f"documents[{index}]"
    return {
        "index": index,
        "field": f"{where}.{field}" if field else where,
        "rule": rule,
        "status": status,
        **extra,
    }


def _entries(index: int, error: PragmaError) -> list[dict[str, Any]]:
    """The problems of one refused document, each naming its field inside the batch."""
    extra = dict(error.extra)
    field = extra.pop("field", None)
    every = extra.pop("errors", None)
    if isinstance(every, list) and every:  # the schema's broken rules, one entry each
        return [_entry(index, item["field"], item["rule"], error.status_code) for item in every]
    rule = error.message.removeprefix(f"{field}: ") if field else error.message
    return [_entry(index, field, rule, error.status_code, **extra)]
