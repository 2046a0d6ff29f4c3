"""The changes between two versions of a config or of outputs, as history shows them: one
entry per changed leaf (dotted path), sealed secret values shown as ``[redacted]``."""

from __future__ import annotations

from typing import Any

from pragma_os.secrets.sealing import is_sealed, redact

Change = dict[str, Any]
"""``{"path", "change": added | removed | changed, "old", "new"}``."""


def diff(before: Any, after: Any) -> list[Change]:
    """What changed from ``before`` to ``after`` (mappings, or anything else as one value)."""
    changes: list[Change] = []
    _diff("", before if before is not None else {}, after if after is not None else {}, changes)
    return changes


def _diff(path: str, before: Any, after: Any, changes: list[Change]) -> None:
    if _is_mapping(before) and _is_mapping(after):
        for key in sorted(set(before) | set(after), key=str):
            inner = f"{path}.{key}" if path else str(key)
            if key not in after:
                changes.append({"path": inner, "change": "removed", "old": redact(before[key]), "new": None})
            elif key not in before:
                changes.append({"path": inner, "change": "added", "old": None, "new": redact(after[key])})
            else:
                _diff(inner, before[key], after[key], changes)
        return
    if before != after:
        changes.append(
            {"path": path or ".", "change": "changed", "old": redact(before), "new": redact(after)}
        )


def _is_mapping(value: Any) -> bool:
    """A mapping to walk into: a sealed secret is one value, never opened."""
    return isinstance(value, dict) and not is_sealed(value)
