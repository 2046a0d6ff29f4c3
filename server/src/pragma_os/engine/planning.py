"""Planning: what applying and deleting some documents would do, computed without writing.

A plan runs the engine's own decisions on the stored state, read only: ``applying``'s checks
and ``changes_of`` (which asks ``rules.next_state``) decide create, update, no-op or refusal;
``check_acyclic`` finds cycles, its walk reading the planned documents' links in place of the
stored ones; ``deletion.deletion_set`` gives what a delete takes along and who blocks it;
``ripple`` walks the dependents with the inputs digest of ``engine/inputs.py``. Nothing here
writes, so nothing (rows, events, history, audit) changes.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine import applying, deletion
from pragma_os.engine.documents import path_of
from pragma_os.engine.history_diff import diff
from pragma_os.engine.inputs import resolve_from
from pragma_os.engine.plan_references import references_of
from pragma_os.engine.plan_state import StateRead
from pragma_os.engine.references import UnresolvableReferenceError, find_targets
from pragma_os.engine.ripple import MAY_RERUN, RERUNS, WAITS, Runners, ripple, with_unknown_outputs
from pragma_os.engine.rules import NEW, Cause, next_state
from pragma_os.engine.waits import owners_of, targets_of, unready
from pragma_os.errors import PragmaError
from pragma_os.secrets.sealing import Sealer, UnsealError
from pragma_os.store import links
from pragma_os.store.types import NewResource, ResourceRow, with_changes
from pragma_sdk.models import LifecycleState, ResourceApply, ResourceReference

CREATE = "create"
UPDATE = "update"
NOOP = "noop"
DELETE = "delete"
REFUSED = "refused"

_RUNNING_STATES = (LifecycleState.PENDING, LifecycleState.PROCESSING)


@dataclass(frozen=True)
class PlannedDocument:
    """A document to plan: as an apply would store it (schema-checked, secrets sealed), and
    the problems found checking it before the engine looks (``{"field", "rule", "status"}``)."""

    body: ResourceApply
    errors: list[dict[str, Any]] = field(default_factory=list)


async def plan(
    connection: AsyncConnection,
    organization_id: str,
    documents: Sequence[PlannedDocument],
    deletes: Sequence[ResourceReference],
    *,
    sealer: Sealer,
    now: datetime,
) -> dict[str, Any]:
    """The plan of applying ``documents`` (in order, as one batch would) and deleting
    ``deletes``: an entry per document and per delete, the ripple, a summary and the token.
    """
    state = StateRead(connection, organization_id)
    wanted: set[str] = {reference.id for reference in deletes}
    for document in documents:
        body = document.body
        wanted.add(body.resource_id)
        wanted.update(find_targets(body.config, applying.spec_of(body)["dependencies"]))
        wanted.update(reference.id for reference in body.owner_references)
    await state.fetch(wanted)

    overlay: dict[str, dict[str, list[str]]] = {links.DEPENDENCY: {}, links.OWNER: {}}
    planned: dict[str, NewResource] = {}
    running: dict[str, bool] = {}  # id: created (no outputs yet)
    entries: list[dict[str, Any]] = []
    for index, document in enumerate(documents):
        entry, row = await _plan_apply(connection, state, organization_id, document, overlay, now)
        entry["index"] = index
        entries.append(entry)
        if row is None:
            continue
        planned[row["id"]] = row
        overlay[links.DEPENDENCY][row["id"]] = list(targets_of(row))
        overlay[links.OWNER][row["id"]] = owners_of(row)
        if entry.pop("runs"):
            running[row["id"]] = entry["action"] == CREATE

    runners = _runners(planned, running, state.rows, sealer)
    expected: Mapping[str, NewResource] = ChainMap(runners.expected, planned, state.rows)  # type: ignore[arg-type]
    for entry in entries:
        row = planned.get(entry["resource_id"])
        if row is None or entry["action"] == REFUSED:
            continue
        entry["references"] = references_of(row, expected, running)
        if entry["resource_id"] in running:
            entry["waits_on"] = unready(targets_of(row), expected)  # type: ignore[arg-type]

    leaving: set[str] = set()  # what earlier deletes mark as being deleted: it blocks no later one
    for index, reference in enumerate(deletes):
        entry = await _plan_delete(connection, state, reference, leaving)
        entry["index"] = index
        entries.append(entry)
        if entry["action"] == DELETE:
            leaving.add(entry["resource_id"])
            leaving.update(item["resource_id"] for item in entry["cascade"])

    # The plan's other documents stay candidates: unchanged (or changed without running), the
    # engine may still re-run them when what they read changes.
    found = await ripple(state, runners, _deleted(entries), sealer)
    request = {
        "apply": [document.body.model_dump(mode="json") for document in documents],
        "delete": [reference.id for reference in deletes],
    }
    return {
        "entries": entries,
        "ripple": found,
        "summary": _summary(entries, found),
        "token": state.token(request),
    }


async def _plan_apply(
    connection: AsyncConnection,
    state: StateRead,
    organization_id: str,
    document: PlannedDocument,
    overlay: Mapping[str, Mapping[str, list[str]]],
    now: datetime,
) -> tuple[dict[str, Any], NewResource | None]:
    """One document's entry and its row as the plan expects it (None when refused)."""
    body = document.body
    stored = state.rows.get(body.resource_id)
    errors = list(document.errors)
    entry = _entry(body.resource_id, f"{body.provider}/{body.resource}/{body.name}", "apply")
    entry["from_state"] = stored["lifecycle_state"] if stored is not None else None
    row: NewResource | None = None
    runs = False
    try:
        if stored is None:
            row = applying.new_values(organization_id, body, now)
            cause = Cause.APPLY if body.wants_processing else Cause.APPLY_DRAFT
            target = next_state(cause, NEW)
            entry.update(action=CREATE, to_state=target)
            runs = target is LifecycleState.PENDING
            spec_changed = True
        else:
            applying.check_same_resource(stored, body)
            changes = applying.changes_of(stored, body)
            updated = with_changes(stored, changes)
            row = updated
            entry.update(action=UPDATE if changes else NOOP, to_state=updated["lifecycle_state"])
            moved = "generation" in changes or "lifecycle_state" in changes
            runs = moved and updated["lifecycle_state"] in _RUNNING_STATES
            spec_changed = "generation" in changes
        entry["changes"] = _changes(stored, row)
        if spec_changed:
            await applying.check_acyclic(connection, row, overlay)
            applying.refuse_leaving_targets(row, state.rows)
    except PragmaError as error:
        errors.extend(refusals(error))
    if errors:
        entry.update(action=REFUSED, to_state=entry["from_state"], errors=errors)
        if "changes" not in entry and stored is None:
            entry["changes"] = []
        return entry, None
    entry["runs"] = runs
    return entry, row


async def _plan_delete(
    connection: AsyncConnection, state: StateRead, reference: ResourceReference, leaving: set[str]
) -> dict[str, Any]:
    entry = _entry(reference.id, reference.path, "delete")
    rows = await state.fetch([reference.id])
    row = rows.get(reference.id)
    if row is None:
        entry.update(action=NOOP, from_state=None, to_state=None, note="already gone")
        return entry
    doomed, blockers = await deletion.deletion_set(connection, row)
    state.note(doomed.values())
    state.note(blockers)
    blocking = sorted(path_of(blocker) for blocker in blockers if blocker["id"] not in leaving)
    entry["from_state"] = row["lifecycle_state"]
    entry["cascade"] = _cascade(row, doomed)
    if blocking:
        message = (
            f"{path_of(row)} cannot be deleted while other resources depend on it: {', '.join(blocking)}. "
            "Delete or change those first."
        )
        entry.update(
            action=REFUSED,
            to_state=row["lifecycle_state"],
            blocked_by=blocking,
            errors=[{"field": "delete", "rule": message, "status": 409}],
        )
        return entry
    # Never provisioned: removed at once, with no provider call (``removable_now``).
    gone_now = not row["provisioned"] and not row["deleting"]
    entry.update(
        action=DELETE,
        to_state=None if gone_now else next_state(Cause.DELETE, LifecycleState(row["lifecycle_state"])),
    )
    return entry


def _entry(resource_id: str, path: str, kind: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "resource_id": resource_id,
        "path": path,
        "action": NOOP,
        "from_state": None,
        "to_state": None,
        "changes": [],
        "errors": [],
        "references": [],
        "waits_on": [],
        "cascade": [],
        "blocked_by": [],
    }


def _changes(stored: ResourceRow | None, row: NewResource) -> list[dict[str, Any]]:
    """What the apply changes: config, tags, owners and dependencies, secrets redacted."""
    before = _declared(stored) if stored is not None else _NOTHING_DECLARED
    return diff(before, _declared(row))


_NOTHING_DECLARED: dict[str, Any] = {"config": {}, "tags": None, "dependencies": {}, "owner_references": {}}


def _declared(row: NewResource) -> dict[str, Any]:
    return {
        "config": row["config"],
        "tags": row["tags"],
        "dependencies": {_path(reference): True for reference in row["dependencies"]},
        "owner_references": {_path(reference): True for reference in row["owner_references"]},
    }


def _path(reference: Mapping[str, Any]) -> str:
    return f"{reference['provider']}/{reference['resource']}/{reference['name']}"


def _cascade(row: ResourceRow, doomed: Mapping[str, ResourceRow]) -> list[dict[str, Any]]:
    """What a delete takes along, each with its depth under the deleted resource."""
    depth = {row["id"]: 0}
    for item in doomed.values():  # each level comes after the one owning it
        if item["id"] in depth:
            continue
        owners = [depth[owner] for owner in owners_of(item) if owner in depth]
        depth[item["id"]] = min(owners, default=0) + 1
    return [
        {"resource_id": item["id"], "path": path_of(item), "depth": depth[item["id"]]}
        for item in doomed.values()
        if item["id"] != row["id"]
    ]


def _deleted(entries: Sequence[Mapping[str, Any]]) -> set[str]:
    deleted: set[str] = set()
    for entry in entries:
        if entry["kind"] == "delete" and entry["action"] == DELETE:
            deleted.add(entry["resource_id"])
            deleted.update(item["resource_id"] for item in entry["cascade"])
    return deleted


def _runners(
    planned: Mapping[str, NewResource],
    running: Mapping[str, bool],
    stored: Mapping[str, ResourceRow],
    sealer: Sealer,
) -> Runners:
    """The planned resources whose handlers run, as the ripple starts from them: resolved
    against each other in dependency order (a runner's config may read another's)."""
    runners = Runners()

    def settle(resource_id: str, visiting: set[str]) -> None:
        if resource_id in runners.expected or resource_id in visiting:
            return
        visiting.add(resource_id)
        row = planned[resource_id]
        for target in targets_of(row):
            if target in running:
                settle(target, visiting)
        known: Mapping[str, NewResource] = ChainMap(runners.expected, planned, stored)  # type: ignore[arg-type]
        unknown: Mapping[str, NewResource] = ChainMap(runners.unknown, known)  # type: ignore[arg-type]
        runners.expected[resource_id] = {**row, "resolved_config": _resolved_config(row, known, sealer)}
        runners.unknown[resource_id] = with_unknown_outputs(
            {**row, "resolved_config": _resolved_config(row, unknown, sealer)}
        )

    for resource_id in running:
        settle(resource_id, set())
    return runners


def _resolved_config(
    row: NewResource, documents: Mapping[str, NewResource], sealer: Sealer
) -> dict[str, Any] | None:
    try:
        return resolve_from(row, documents, sealer).resolved_config  # type: ignore[arg-type]
    except (UnresolvableReferenceError, UnsealError):
        return row["resolved_config"]


def refusals(error: PragmaError) -> list[dict[str, Any]]:
    """The problems an error refusing a document names: each broken schema rule, or itself."""
    extra = dict(error.extra)
    every = extra.pop("errors", None)
    if isinstance(every, list) and every:
        return [{"field": item["field"], "rule": item["rule"], "status": error.status_code} for item in every]
    field_name = extra.pop("field", None)
    rule = error.message.removeprefix(f"{field_name}: ") if field_name else error.message
    return [{"field": field_name, "rule": rule, "status": error.status_code, **extra}]


def _summary(entries: Sequence[Mapping[str, Any]], found: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    actions = [entry["action"] for entry in entries]
    cascaded = sum(len(entry["cascade"]) for entry in entries if entry["action"] == DELETE)
    effects = [item["effect"] for item in found]
    return {
        "creates": actions.count(CREATE),
        "updates": actions.count(UPDATE),
        "noops": actions.count(NOOP),
        "deletes": actions.count(DELETE) + cascaded,
        "refused": actions.count(REFUSED),
        "reruns": effects.count(RERUNS),
        "may_reruns": effects.count(MAY_RERUN),
        "waits": effects.count(WAITS),
    }
