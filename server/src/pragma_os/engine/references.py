"""Resolving references inside a config against the documents of the resources they name.

What counts as a reference is defined once, in ``pragma_sdk.references``. Secret values stay
sealed through resolution: a string interpolated from one is sealed as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pragma_os.secrets.sealing import Sealer, contains_sealed
from pragma_sdk.references import (
    INTERPOLATION,
    Target,
    as_field_reference,
    find_targets,
    marker_targets,
    parse_path,
)

__all__ = [
    "Target",
    "UnresolvableReferenceError",
    "find_targets",
    "marker_targets",
    "read_field",
    "resolve_config",
]


class UnresolvableReferenceError(Exception):
    """A reference points at a field the target resource does not have."""


def read_field(document: Mapping[str, Any], field: str, label: str) -> Any:
    """The value at ``field`` (``outputs.a.b``, ``config.x``, or bare ``a`` = ``outputs.a``)."""
    parts = field.split(".")
    if parts[0] not in ("outputs", "config"):
        parts = ["outputs", *parts]
    if parts[0] == "outputs":
        current: Any = document.get("outputs")
    else:
        current = document.get("resolved_config") or document.get("config")
    for part in parts[1:]:
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            raise UnresolvableReferenceError(f"{label} has no field '{'.'.join(parts)}'")
    return current


def resolve_config(
    config: Mapping[str, Any], documents: Mapping[str, Mapping[str, Any]], sealer: Sealer
) -> dict[str, Any]:
    """``config`` with field references and interpolations replaced by the values they name.

    Dependency markers stay as they are: the handler resolves them from the event's
    ``resolved_dependencies``. ``documents`` must hold every referenced resource by id.
    Sealed values are copied sealed; a string that interpolates one is sealed as a whole.

    Raises:
        UnresolvableReferenceError: A referenced field does not exist.
        UnsealError: An interpolated secret was sealed with another server key.
    """
    resolved = _resolve(dict(config), documents, sealer)
    assert isinstance(resolved, dict)
    return resolved


def _resolve(value: Any, documents: Mapping[str, Mapping[str, Any]], sealer: Sealer) -> Any:
    if isinstance(value, Mapping):
        if field_reference := as_field_reference(value):
            target, field = field_reference
            return read_field(documents[target.id], field, target.path)
        return {key: _resolve(item, documents, sealer) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, documents, sealer) for item in value]
    if isinstance(value, str) and "${" in value:
        return _interpolate(value, documents, sealer)
    return value


def _interpolate(text: str, documents: Mapping[str, Mapping[str, Any]], sealer: Sealer) -> Any:
    def value_of(match: re.Match[str]) -> Any:
        target = parse_path(match.group("path"))
        if target is None:
            return match.group(0)
        return read_field(documents[target.id], match.group("field"), target.path)

    whole = INTERPOLATION.fullmatch(text)
    if whole is not None:
        return value_of(whole)  # a lone reference keeps its type (a number stays a number)
    values = [value_of(match) for match in INTERPOLATION.finditer(text)]
    if not any(contains_sealed(value) for value in values):
        return _substitute(text, values)
    # The plaintext exists only inside the new sealed value; the handler gets it opened.
    opened = [sealer.open_all(value) for value in values]
    return sealer.seal_derived(_substitute(text, opened), values)


def _substitute(text: str, values: list[Any]) -> str:
    """``text`` with its interpolations replaced, in order, by ``values``."""
    remaining = iter(values)
    return INTERPOLATION.sub(lambda _match: str(next(remaining)), text)
