"""What a resource's handler is given from its dependencies, resolved at dispatch time."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine.documents import to_document
from pragma_os.engine.references import UnresolvableReferenceError, marker_targets, resolve_config
from pragma_os.engine.waits import targets_of
from pragma_os.secrets.sealing import Sealer, UnsealError
from pragma_os.store import resources as store
from pragma_os.store.types import ResourceRow


@dataclass(frozen=True)
class Inputs:
    """What a resource's handler is given from its dependencies, and its digest."""

    resolved_config: dict[str, Any]
    dependencies: dict[str, dict[str, Any]]
    digest: str


async def resolve_inputs(connection: AsyncConnection, row: ResourceRow, sealer: Sealer) -> Inputs:
    """Resolve a resource's references against the current state of its dependencies.

    Raises:
        UnresolvableReferenceError: A referenced field does not exist.
        UnsealError: An interpolated secret was sealed with another server key.
    """
    targets = targets_of(row)
    documents = await store.get_resources_by_ids(connection, row["organization_id"], list(targets))
    return resolve_from(row, documents, sealer)


def resolve_from(row: ResourceRow, documents: Mapping[str, ResourceRow], sealer: Sealer) -> Inputs:
    """``resolve_inputs`` given its dependencies as stored (``documents``, by id; may hold more).

    Raises:
        UnresolvableReferenceError: A referenced field does not exist.
        UnsealError: An interpolated secret was sealed with another server key.
    """
    targets = targets_of(row)
    missing = [target.path for target_id, target in targets.items() if target_id not in documents]
    if missing:
        raise UnresolvableReferenceError(f"{', '.join(missing)} does not exist")
    resolved = resolve_config(row["config"], documents, sealer)
    markers = {
        target_id: to_document(documents[target_id], sealed=True)
        for target_id in marker_targets(row["config"])
    }
    fingerprint = {
        "config": resolved,
        "dependencies": {
            target_id: [document["resolved_config"], document["outputs"]]
            for target_id, document in sorted(markers.items())
        },
    }
    digest = hashlib.sha256(orjson.dumps(fingerprint, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return Inputs(resolved, markers, digest)


async def inputs_changed(connection: AsyncConnection, row: ResourceRow, sealer: Sealer) -> bool:
    """Whether what the resource's handler would be given differs from what it last handled."""
    try:
        inputs = await resolve_inputs(connection, row, sealer)
    except (UnresolvableReferenceError, UnsealError):
        return True  # the next attempt reports it
    return differs_from_handled(row, inputs)


def differs_from_handled(row: ResourceRow, inputs: Inputs) -> bool:
    """Whether ``inputs`` differ from those the resource's handler last ran with."""
    return bool(inputs.digest != row["inputs_digest"])


def unresolved(error: UnresolvableReferenceError | UnsealError) -> str:
    """The error of a resource whose references cannot be resolved, saying how to repair it."""
    if isinstance(error, UnsealError):
        return f"{error}; apply the secret again"
    return f"Unresolvable reference: {error}"
