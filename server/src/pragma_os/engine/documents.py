"""The public document of a stored resource: what the API returns and dependents receive."""

from __future__ import annotations

from typing import Any

from pragma_os.secrets.sealing import redact
from pragma_os.store.types import NewResource, ResourceRow

_PRIVATE_COLUMNS = frozenset({"pk", "organization_id", "applied_config", "inputs_digest"})
# Where secret values can be: a secret's own config and outputs, a dependent's resolved
# config, and whatever a provider returned.
_MAY_HOLD_SECRETS = ("config", "resolved_config", "outputs")


def to_document(row: ResourceRow, *, sealed: bool = False) -> dict[str, Any]:
    """The wire document of a resource row; secret values redacted unless ``sealed``.

    ``sealed`` keeps them sealed, for documents the engine hands to workers (opened then).
    """
    document = {key: value for key, value in row.items() if key not in _PRIVATE_COLUMNS}
    if not sealed:
        for key in _MAY_HOLD_SECRETS:
            if key in document:
                document[key] = redact(document[key])
    return document


def path_of(row: NewResource) -> str:
    """``provider/resource/name`` of a resource row."""
    return f"{row['provider']}/{row['resource']}/{row['name']}"
