"""The public document of a stored resource: what the API returns and dependents receive."""

from __future__ import annotations

from typing import Any

_PRIVATE_COLUMNS = frozenset({"pk", "organization_id", "applied_config", "inputs_digest"})


def to_document(row: dict[str, Any]) -> dict[str, Any]:
    """The wire document of a resource row."""
    return {key: value for key, value in row.items() if key not in _PRIVATE_COLUMNS}


def path_of(row: dict[str, Any]) -> str:
    """``provider/resource/name`` of a resource row."""
    return f"{row['provider']}/{row['resource']}/{row['name']}"
