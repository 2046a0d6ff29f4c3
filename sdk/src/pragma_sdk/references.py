"""References between resources inside a config, as the platform finds them.

A config refers to another resource through a field reference ``{provider, resource, name,
field}``, a dependency marker ``{"__dependency__": true, provider, resource, name}`` or a
``${provider/resource/name.outputs.field}`` interpolation inside a string. The platform's
engine and the command line both read references with these functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pragma_sdk.models import ResourceAddress

_REFERENCE_KEYS = frozenset({"provider", "resource", "name", "field"})
_IGNORED_KEYS = frozenset({"created_at", "updated_at"})
_MARKER_KEYS = ("__dependency__", "dependency_marker")
INTERPOLATION = re.compile(r"\$\{(?P<path>[^}]+?)\.(?P<field>(?:outputs|config)(?:\.[^}]*)?)\}")


@dataclass(frozen=True, slots=True)
class Target(ResourceAddress):
    """The resource a reference points at."""

    provider: str
    resource: str
    name: str


def as_field_reference(value: Mapping[str, Any]) -> tuple[Target, str] | None:
    """``(target, field)`` when ``value`` is a field reference, else ``None``."""
    keys = set(value) - _IGNORED_KEYS
    if keys != _REFERENCE_KEYS or not all(isinstance(value[key], str) for key in _REFERENCE_KEYS):
        return None
    return Target(value["provider"], value["resource"], value["name"]), value["field"]


def as_marker(value: Mapping[str, Any]) -> Target | None:
    """The target when ``value`` is a dependency marker, else ``None``."""
    if not any(value.get(key) is True for key in _MARKER_KEYS):
        return None
    parts = [value.get(key) for key in ("provider", "resource", "name")]
    if not all(isinstance(part, str) for part in parts):
        return None
    return Target(*parts)  # type: ignore[arg-type]


def parse_path(path: str) -> Target | None:
    """The target of ``provider/resource/name`` (the type may hold slashes), or ``None``."""
    parts = path.split("/")
    if len(parts) < 3 or not all(parts):
        return None
    return Target(parts[0], "/".join(parts[1:-1]), parts[-1])


def walk(value: Any) -> Iterator[Any]:
    """Every value inside a JSON value, in order, each object or array before what it holds."""
    yield value
    if isinstance(value, Mapping):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def find_targets(config: Mapping[str, Any], explicit: Iterable[Mapping[str, Any]] = ()) -> dict[str, Target]:
    """Every resource ``config`` refers to, plus the explicit ``dependencies``, by id."""
    targets: dict[str, Target] = {}
    for reference in explicit:
        target = Target(reference["provider"], reference["resource"], reference["name"])
        targets[target.id] = target
    for value in walk(config):
        found: list[Target] = []
        if isinstance(value, Mapping):
            if field_reference := as_field_reference(value):
                found.append(field_reference[0])
            elif marker := as_marker(value):
                found.append(marker)
        elif isinstance(value, str) and "${" in value:
            for match in INTERPOLATION.finditer(value):
                if parsed := parse_path(match.group("path")):
                    found.append(parsed)
        for target in found:
            targets[target.id] = target
    return targets


def marker_targets(config: Mapping[str, Any]) -> dict[str, Target]:
    """The resources ``config`` depends on as a whole (dependency markers), by id."""
    return {
        marker.id: marker
        for value in walk(config)
        if isinstance(value, Mapping) and (marker := as_marker(value)) is not None
    }
