"""Naming resources on the command line, and finding which resources refer to which.

The API lists a resource's explicit ``dependencies`` but not the references inside its config
nor its dependents, so ``describe`` finds them here, the way the engine does: field references
``{provider, resource, name, field}``, ``__dependency__`` markers and ``${p/t/n.outputs.f}``
interpolations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pragma_cli.errors import UsageError
from pragma_sdk.models import resource_id

_REFERENCE_KEYS = frozenset({"provider", "resource", "name", "field"})
_IGNORED_KEYS = frozenset({"created_at", "updated_at"})
_MARKER_KEYS = ("__dependency__", "dependency_marker")
_INTERPOLATION = re.compile(r"\$\{(?P<path>[^}]+?)\.(?:outputs|config)(?:\.[^}]*)?\}")


def split_type(value: str) -> tuple[str, str]:
    """``PROVIDER/TYPE`` as ``(provider, type)``; the type may hold more slashes.

    Raises:
        UsageError: ``value`` has no ``/``.
    """
    provider, slash, resource = value.strip().partition("/")
    if not slash or not provider or not resource or resource.endswith("/"):
        raise UsageError(f"expected PROVIDER/TYPE such as mycloud/database, not {value!r}")
    return provider, resource


def path_of(provider: str, resource: str, name: str) -> str:
    """``provider/type/name``."""
    return f"{provider}/{resource}/{name}"


def _path_target(path: str) -> tuple[str, str, str] | None:
    parts = path.split("/")
    if len(parts) < 3 or not all(parts):
        return None
    return parts[0], "/".join(parts[1:-1]), parts[-1]


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _targets_in(value: Any) -> Iterator[tuple[str, str, str]]:
    for item in _walk(value):
        if isinstance(item, Mapping):
            keys = set(item) - _IGNORED_KEYS
            is_field_reference = keys == _REFERENCE_KEYS
            is_marker = any(item.get(key) is True for key in _MARKER_KEYS)
            parts = [item.get(key) for key in ("provider", "resource", "name")]
            if (is_field_reference or is_marker) and all(isinstance(part, str) for part in parts):
                yield str(parts[0]), str(parts[1]), str(parts[2])
        elif isinstance(item, str) and "${" in item:
            for match in _INTERPOLATION.finditer(item):
                if (target := _path_target(match.group("path").strip())) is not None:
                    yield target


def references(document: Mapping[str, Any]) -> dict[str, str]:
    """What ``document`` depends on, by id: its config's references and its ``dependencies``."""
    found: dict[str, str] = {}
    explicit = [
        (str(ref.get("provider")), str(ref.get("resource")), str(ref.get("name")))
        for ref in document.get("dependencies") or []
        if isinstance(ref, Mapping)
    ]
    for provider, resource, name in [*_targets_in(document.get("config") or {}), *explicit]:
        found.setdefault(resource_id(provider, resource, name), path_of(provider, resource, name))
    return found


def owners(document: Mapping[str, Any]) -> dict[str, str]:
    """The resources that own ``document`` (its ``owner_references``), by id."""
    return {
        resource_id(str(ref["provider"]), str(ref["resource"]), str(ref["name"])): path_of(
            str(ref["provider"]), str(ref["resource"]), str(ref["name"])
        )
        for ref in document.get("owner_references") or []
        if isinstance(ref, Mapping) and {"provider", "resource", "name"} <= set(ref)
    }


def document_path(document: Mapping[str, Any]) -> str:
    """``provider/type/name`` of a resource document."""
    return path_of(str(document.get("provider")), str(document.get("resource")), str(document.get("name")))


def dependents(document: Mapping[str, Any], everything: list[dict[str, Any]]) -> dict[str, str]:
    """The resources of ``everything`` that depend on ``document``, by id."""
    own = str(document["id"])
    return {str(item["id"]): document_path(item) for item in everything if own in references(item)}


def owned(document: Mapping[str, Any], everything: list[dict[str, Any]]) -> dict[str, str]:
    """The resources of ``everything`` that ``document`` owns, by id."""
    own = str(document["id"])
    return {str(item["id"]): document_path(item) for item in everything if own in owners(item)}
