"""Whole-resource dependencies written the way users write them.

In YAML a user writes ``database: {provider: mycloud, resource: database, name: shared-db}``;
the SDK serializes a ``Dependency`` with a ``__dependency__: true`` marker. Where the
registered schema of the type says a field is a ``Dependency`` (its object schema has the
marker property), a marker-less ``{provider, resource, name}`` gets the marker, so the engine
stores, waits for and resolves it like one the SDK wrote. Unions (``Dependency[A] |
Dependency[B]``), optional fields, lists and maps of dependencies are followed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MARKER = "__dependency__"
_MARKER_KEYS = (MARKER, "dependency_marker")
_BRANCHES = ("anyOf", "oneOf", "allOf")

Schema = Mapping[str, Any]


def mark_dependencies(schema: Schema, config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with the marker added to each marker-less reference in a dependency field.

    The config is copied only where something changes.
    """
    marked = _mark(schema, config, schema)
    assert isinstance(marked, dict)
    return marked


def dependency_types(schema: Schema, root: Schema) -> list[str]:
    """The ``provider/resource`` types a field of ``schema`` may depend on (none: not a dependency field)."""
    schema = _resolve(schema, root)
    if _is_dependency(schema):
        properties = schema["properties"]
        provider = properties.get("provider", {}).get("const", "*")
        resource = properties.get("resource", {}).get("const", "*")
        return [f"{provider}/{resource}"]
    return [
        kind for key in _BRANCHES for branch in schema.get(key, []) for kind in dependency_types(branch, root)
    ]


def _mark(schema: Schema, value: Any, root: Schema) -> Any:
    schema = _resolve(schema, root)
    if _is_dependency(schema):
        return _with_marker(value)
    for key in _BRANCHES:
        for branch in schema.get(key, []):
            marked = _mark(branch, value, root)
            if marked is not value:
                return marked
    if isinstance(value, dict):
        return _mark_mapping(schema, value, root)
    if isinstance(value, list):
        return _mark_list(schema, value, root)
    return value


def _mark_mapping(schema: Schema, value: dict[str, Any], root: Schema) -> dict[str, Any]:
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    changed: dict[str, Any] = {}
    for key, item in value.items():
        field_schema = properties.get(key, extra if isinstance(extra, Mapping) else None)
        if field_schema is None:
            continue
        marked = _mark(field_schema, item, root)
        if marked is not item:
            changed[key] = marked
    return {**value, **changed} if changed else value


def _mark_list(schema: Schema, value: list[Any], root: Schema) -> list[Any]:
    prefix = schema.get("prefixItems", [])
    items = schema.get("items")
    marked = list(value)
    for index, item in enumerate(value):
        item_schema = prefix[index] if index < len(prefix) else items
        if isinstance(item_schema, Mapping):
            marked[index] = _mark(item_schema, item, root)
    return marked if any(new is not old for new, old in zip(marked, value, strict=True)) else value


def _with_marker(value: Any) -> Any:
    """An object without marker gets one (the schema check then names what it lacks); anything
    else is left as it is: a marker already, a field reference, or a value the check refuses."""
    if not isinstance(value, dict) or "field" in value or any(key in value for key in _MARKER_KEYS):
        return value
    return {MARKER: True, **value}


def _is_dependency(schema: Schema) -> bool:
    return MARKER in schema.get("properties", {})


def _resolve(schema: Schema, root: Schema) -> Schema:
    """``schema`` with a local ``$ref`` (``#/$defs/Name``) followed."""
    seen = 0
    while isinstance(reference := schema.get("$ref"), str) and reference.startswith("#/") and seen < 32:
        target: Any = root
        for part in reference[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        schema, seen = target if isinstance(target, Mapping) else {}, seen + 1
    return schema
