"""A plan's view of one document's references: which resolve now and to what (secrets
redacted), which wait for a handler to run, and which dangle.

Values are read with the engine's own ``read_field``, against the documents as the plan
expects them (its planned documents in place of the stored ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pragma_os.engine.references import UnresolvableReferenceError, read_field
from pragma_os.secrets.sealing import redact
from pragma_os.store.types import NewResource
from pragma_sdk.references import INTERPOLATION, Target, as_field_reference, as_marker, parse_path, walk

RESOLVED = "resolved"
AFTER_RUN = "after_run"
"""The field is an output the target's handler has not returned yet (it is created or runs first)."""
MISSING_FIELD = "missing_field"
DANGLING = "dangling"
DELETING = "deleting"


def references_of(
    row: NewResource, documents: Mapping[str, NewResource], running: Mapping[str, bool]
) -> list[dict[str, Any]]:
    """Each reference of ``row`` (field references, interpolations, dependency markers and
    explicit dependencies) with what it resolves to now.

    ``documents``: by id, the resources as the plan expects them; ``running``: the ids whose
    handler runs in the plan (``True`` when it is created: it has no outputs yet).
    """
    found: list[dict[str, Any]] = []
    for value in walk(row["config"]):
        if isinstance(value, Mapping):
            if field_reference := as_field_reference(value):
                target, field = field_reference
                found.append(_field(target, field, "field", documents, running))
            elif marker := as_marker(value):
                found.append(_whole(marker, "marker", documents))
        elif isinstance(value, str) and "${" in value:
            for match in INTERPOLATION.finditer(value):
                if parsed := parse_path(match.group("path")):
                    found.append(_field(parsed, match.group("field"), "interpolation", documents, running))
    for reference in row["dependencies"]:
        target = Target(reference["provider"], reference["resource"], reference["name"])
        found.append(_whole(target, "dependency", documents))
    return found


def _whole(target: Target, kind: str, documents: Mapping[str, NewResource]) -> dict[str, Any]:
    document = documents.get(target.id)
    status = DANGLING if document is None else DELETING if document["deleting"] else RESOLVED
    return {"target": target.path, "target_id": target.id, "kind": kind, "field": None, "status": status}


def _field(
    target: Target,
    field: str,
    kind: str,
    documents: Mapping[str, NewResource],
    running: Mapping[str, bool],
) -> dict[str, Any]:
    entry = _whole(target, kind, documents)
    entry["field"] = field
    if entry["status"] != RESOLVED:
        return entry
    document = documents[target.id]
    reads_outputs = not field.startswith("config.")
    if reads_outputs and running.get(target.id) is True:
        entry["status"] = AFTER_RUN
        return entry
    try:
        entry["value"] = redact(read_field(dict(document), field, target.path))
    except UnresolvableReferenceError as error:
        entry["status"] = MISSING_FIELD
        entry["rule"] = str(error)
        return entry
    if reads_outputs and target.id in running:
        entry["may_change"] = True  # its handler runs again and may return another value
    return entry
