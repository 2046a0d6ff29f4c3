"""Naming resources on the command line, and finding which resources refer to which.

The API lists a resource's explicit ``dependencies`` but not the references inside its config
nor its dependents, so ``describe`` finds them here with ``pragma_sdk.references``, the
definition the engine uses too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pragma_cli.errors import UsageError
from pragma_sdk.models import resource_id
from pragma_sdk.references import find_targets


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


def references(document: Mapping[str, Any]) -> dict[str, str]:
    """What ``document`` depends on, by id: its config's references and its ``dependencies``."""
    explicit = [
        ref
        for ref in document.get("dependencies") or []
        if isinstance(ref, Mapping) and {"provider", "resource", "name"} <= set(ref)
    ]
    targets = find_targets(document.get("config") or {}, explicit)
    return {target_id: target.path for target_id, target in targets.items()}


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
