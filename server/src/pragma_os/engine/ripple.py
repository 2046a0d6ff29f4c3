"""The ripple of a plan: the dependents that will run again, through the whole graph.

The engine re-runs a dependent when its dependency becomes ``ready`` and the digest of the
inputs it would now be given differs from the digest of those it last ran with
(``engine/propagation.py``). The plan asks exactly that question with the engine's own
functions (``resolve_from``, ``differs_from_handled``, ``takes_dependency_changes``), against
the documents as they will be once the planned resources are applied:

- ``reruns``: its inputs change with what is already known (a config value it reads changed);
- ``may_rerun``: its inputs change only if a dependency's handler returns different outputs,
  which no plan can know before the handler runs (the digest is taken a second time with those
  outputs replaced by unknown values: if it moves, the dependent reads them);
- ``waits``: it is pending or processing: it runs (again) anyway, after its dependencies,
  with their new values.

A dependent that re-runs (or may) is walked further, level by level, one query per level.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pragma_os.engine.documents import path_of
from pragma_os.engine.history_diff import diff
from pragma_os.engine.inputs import Inputs, differs_from_handled, resolve_from
from pragma_os.engine.plan_state import StateRead
from pragma_os.engine.propagation import takes_dependency_changes
from pragma_os.engine.references import UnresolvableReferenceError
from pragma_os.engine.waits import targets_of
from pragma_os.secrets.sealing import Sealer, UnsealError, is_sealed
from pragma_os.store import links
from pragma_os.store.types import NewResource, ResourceRow, with_changes
from pragma_sdk.models import LifecycleState

RERUNS = "reruns"
MAY_RERUN = "may_rerun"
WAITS = "waits"

_UNKNOWN = "\x00unknown until its handler runs"
_BUSY = (LifecycleState.PENDING, LifecycleState.PROCESSING)

Documents = dict[str, NewResource]


@dataclass
class Runners:
    """The resources whose handlers run in a plan, as they are expected afterwards.

    ``expected``: each one's document with what is known (its new config and resolved config,
    its outputs as stored); ``unknown``: the same with what its handler returns unknown (its
    outputs, and what its resolved config takes from other runners' outputs).
    """

    expected: Documents = field(default_factory=dict)
    unknown: Documents = field(default_factory=dict)


def with_unknown_outputs(document: NewResource) -> NewResource:
    """``document`` with every output value unknown (a handler of it is about to run)."""
    return {**document, "outputs": _unknown(document["outputs"])}


def _unknown(value: Any) -> Any:
    if isinstance(value, dict) and not is_sealed(value):
        return {key: _unknown(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unknown(item) for item in value]
    return _UNKNOWN


def _resolved(row: NewResource, documents: Mapping[str, NewResource], sealer: Sealer) -> Inputs | None:
    try:
        return resolve_from(row, documents, sealer)  # type: ignore[arg-type]
    except (UnresolvableReferenceError, UnsealError):
        return None


async def ripple(state: StateRead, runners: Runners, skip: set[str], sealer: Sealer) -> list[dict[str, Any]]:
    """The dependents of ``runners`` (outside ``skip``: resources the plan deletes) that will,
    or may, run again, or that wait; in order of depth (1: a direct dependent of a runner)."""
    found: list[dict[str, Any]] = []
    seen = set(runners.expected) | skip
    frontier = list(runners.expected)
    depth = 1
    while frontier:
        dependents = await links.linking_to(
            state.connection, state.organization_id, frontier, links.DEPENDENCY
        )
        state.note(dependents)
        fresh = {dependent["id"]: dependent for dependent in dependents if dependent["id"] not in seen}
        await state.fetch({target for dependent in fresh.values() for target in targets_of(dependent)})
        frontier = []
        for dependent_id in sorted(fresh):
            dependent = fresh[dependent_id]
            seen.add(dependent_id)
            entry = _effect_on(dependent, runners, state.rows, sealer)
            if entry is None:
                continue
            entry["depth"] = depth
            found.append(entry)
            if entry["effect"] != WAITS:
                frontier.append(dependent_id)
        depth += 1
    return found


def _effect_on(
    dependent: ResourceRow, runners: Runners, stored: Mapping[str, ResourceRow], sealer: Sealer
) -> dict[str, Any] | None:
    targets = list(targets_of(dependent))
    running = [target for target in targets if target in runners.expected]
    entry: dict[str, Any] = {
        "resource_id": dependent["id"],
        "path": path_of(dependent),
        "from_state": dependent["lifecycle_state"],
    }
    if not takes_dependency_changes(dependent):
        if dependent["lifecycle_state"] not in _BUSY or dependent["deleting"]:
            return None  # failed, draft or leaving: a dependency's change does not move it
        # Pending: runs with the values of its lease; processing: its completion follows up
        # when its inputs changed meanwhile (``results``).
        return {**entry, "effect": WAITS, "because": running, "to_state": dependent["lifecycle_state"]}
    expected: Mapping[str, NewResource] = ChainMap(runners.expected, stored)  # type: ignore[arg-type]
    inputs = _resolved(dependent, expected, sealer)
    effect, because = None, running
    if inputs is None or differs_from_handled(dependent, inputs):
        effect = RERUNS
        because = _moved_by(dependent, running, stored, expected, sealer) or running
    else:
        unknown: Mapping[str, NewResource] = ChainMap(runners.unknown, runners.expected, stored)  # type: ignore[arg-type]
        guessed = _resolved(dependent, unknown, sealer)
        if guessed is None or guessed.digest != inputs.digest:
            effect = MAY_RERUN
            because = _moved_by(dependent, running, expected, unknown, sealer) or running
    if effect is None:
        return None
    resolved = inputs.resolved_config if inputs is not None else dependent["resolved_config"]
    runners.expected[dependent["id"]] = with_changes(dependent, {"resolved_config": resolved})
    unknown_resolved = _resolved(dependent, ChainMap(runners.unknown, expected), sealer)  # type: ignore[arg-type]
    runners.unknown[dependent["id"]] = with_unknown_outputs(
        with_changes(
            dependent, {"resolved_config": unknown_resolved.resolved_config if unknown_resolved else resolved}
        )
    )
    return {
        **entry,
        "effect": effect,
        "because": because,
        "to_state": LifecycleState.PENDING.value,
        "unresolvable": inputs is None,
        "changes": diff(dependent["resolved_config"], resolved) if effect == RERUNS else [],
    }


def _moved_by(
    dependent: ResourceRow,
    running: list[str],
    before: Mapping[str, NewResource],
    after: Mapping[str, NewResource],
    sealer: Sealer,
) -> list[str]:
    """The runners whose change alone (from ``before`` to ``after``) moves the dependent's digest."""
    baseline = _resolved(dependent, before, sealer)
    moved = []
    for target in running:
        alone = _resolved(dependent, ChainMap({target: after[target]}, before), sealer)  # type: ignore[arg-type]
        if alone is None or baseline is None or alone.digest != baseline.digest:
            moved.append(target)
    return moved
