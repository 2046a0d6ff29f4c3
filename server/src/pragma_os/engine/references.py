"""References between resources inside a config: finding them and resolving them.

A config refers to another resource through a field reference ``{provider, resource, name,
field}``, a dependency marker ``{"__dependency__": true, provider, resource, name}`` or a
``${provider/resource/name.outputs.field}`` interpolation inside a string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pragma_sdk.models import resource_id

_REFERENCE_KEYS = frozenset({"provider", "resource", "name", "field"})
_IGNORED_KEYS = frozenset({"created_at", "updated_at"})
_MARKER_KEYS = ("__dependency__", "dependency_marker")
_INTERPOLATION = re.compile(r"\$\{(?P<path>[^}]+?)\.(?P<field>(?:outputs|config)(?:\.[^}]*)?)\}")


class UnresolvableReferenceError(Exception):
    """A reference points at a field the target resource does not have."""


@dataclass(frozen=True, slots=True)
class Target:
    """The resource a reference points at."""

    provider: str
    resource: str
    name: str

    @property
    def id(self) -> str:
        """The target's resource id."""
        return resource_id(self.provider, self.resource, self.name)

    @property
    def path(self) -> str:
        """``provider/resource/name``."""
        return f"{self.provider}/{self.resource}/{self.name}"


def _as_field_reference(value: Mapping[str, Any]) -> tuple[Target, str] | None:
    keys = set(value) - _IGNORED_KEYS
    if keys != _REFERENCE_KEYS or not all(isinstance(value[key], str) for key in _REFERENCE_KEYS):
        return None
    return Target(value["provider"], value["resource"], value["name"]), value["field"]


def _as_marker(value: Mapping[str, Any]) -> Target | None:
    if not any(value.get(key) is True for key in _MARKER_KEYS):
        return None
    parts = [value.get(key) for key in ("provider", "resource", "name")]
    if not all(isinstance(part, str) for part in parts):
        return None
    return Target(*parts)  # type: ignore[arg-type]


def _parse_path(path: str) -> Target | None:
    parts = path.split("/")
    if len(parts) < 3 or not all(parts):
        return None
    return Target(parts[0], "/".join(parts[1:-1]), parts[-1])


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def find_targets(config: Mapping[str, Any], explicit: Iterable[Mapping[str, Any]] = ()) -> dict[str, Target]:
    """Every resource ``config`` refers to, plus the explicit ``dependencies``, by id."""
    targets: dict[str, Target] = {}
    for reference in explicit:
        target = Target(reference["provider"], reference["resource"], reference["name"])
        targets[target.id] = target
    for value in _walk(config):
        found: list[Target] = []
        if isinstance(value, Mapping):
            if field_reference := _as_field_reference(value):
                found.append(field_reference[0])
            elif marker := _as_marker(value):
                found.append(marker)
        elif isinstance(value, str) and "${" in value:
            for match in _INTERPOLATION.finditer(value):
                if parsed := _parse_path(match.group("path")):
                    found.append(parsed)
        for target in found:
            targets[target.id] = target
    return targets


def marker_targets(config: Mapping[str, Any]) -> dict[str, Target]:
    """The resources ``config`` depends on as a whole (dependency markers), by id."""
    return {
        marker.id: marker
        for value in _walk(config)
        if isinstance(value, Mapping) and (marker := _as_marker(value)) is not None
    }


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


def resolve_config(config: Mapping[str, Any], documents: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``config`` with field references and interpolations replaced by the values they name.

    Dependency markers stay as they are: the handler resolves them from the event's
    ``resolved_dependencies``. ``documents`` must hold every referenced resource by id.

    Raises:
        UnresolvableReferenceError: A referenced field does not exist.
    """
    resolved = _resolve(dict(config), documents)
    assert isinstance(resolved, dict)
    return resolved


def _resolve(value: Any, documents: Mapping[str, Mapping[str, Any]]) -> Any:
    if isinstance(value, Mapping):
        if field_reference := _as_field_reference(value):
            target, field = field_reference
            return read_field(documents[target.id], field, target.path)
        return {key: _resolve(item, documents) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, documents) for item in value]
    if isinstance(value, str) and "${" in value:
        return _interpolate(value, documents)
    return value


def _interpolate(text: str, documents: Mapping[str, Mapping[str, Any]]) -> Any:
    def value_of(match: re.Match[str]) -> Any:
        target = _parse_path(match.group("path"))
        if target is None:
            return match.group(0)
        return read_field(documents[target.id], match.group("field"), target.path)

    whole = _INTERPOLATION.fullmatch(text)
    if whole is not None:
        return value_of(whole)  # a lone reference keeps its type (a number stays a number)
    return _INTERPOLATION.sub(lambda match: str(value_of(match)), text)
