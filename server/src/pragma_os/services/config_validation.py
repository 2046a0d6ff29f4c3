"""Checking an applied config against the JSON Schema its provider registered.

A provider that registered types (deployed, or run with ``--provider-package``) has only
those: another type of it is refused. A provider with no registered types (one whose workers
the user runs with the SDK) takes any type, unchecked. Field references and
``${...}`` strings stand for values only the engine knows, so it checks them when it resolves
them; dependencies are checked here, after ``dependency_fields`` marked the ones users write
without a marker.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from pragma_os.errors import InvalidInputError
from pragma_os.services.dependency_fields import dependency_types, mark_dependencies
from pragma_os.store import Database
from pragma_os.store import resource_types as store

# How long a provider's schemas are trusted before they are read again (another replica may
# have deployed a new version); a deploy in this process refreshes them at once.
_CACHE_SECONDS = 2.0
_FIELD_REFERENCE_KEYS = {"provider", "resource", "name", "field"}

Key = tuple[str, str]  # (organization id, provider)


class ConfigValidator:
    """Validates configs with the registered schemas, cached per organization and provider."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._cache: dict[Key, tuple[float, dict[str, Draft202012Validator]]] = {}

    def forget(self, organization_id: str, provider: str) -> None:
        """Read the provider's schemas again on next use (its deployed version changed)."""
        self._cache.pop((organization_id, provider), None)

    async def conform(
        self, organization_id: str, provider: str, resource: str, config: dict[str, Any]
    ) -> dict[str, Any]:
        """The config as it is stored: its whole-resource dependencies marked, checked against
        its type's schema (unchanged when the type has none).

        Raises:
            InvalidInputError: The provider registered types and ``resource`` is not one of them
                (field ``resource``, with ``known_types``); or naming the first offending field
                (``config.<path>``) and the rule, ``errors`` listing every problem found.
        """
        validators = await self._validators(organization_id, provider)
        validator = validators.get(resource)
        if validator is None:
            if validators:
                known = sorted(validators)
                raise InvalidInputError(
                    "resource",
                    f"provider {provider!r} has no resource type {resource!r}; "
                    f"its types are {', '.join(known)} (GET /resources/types lists them)",
                    known_types=known,
                )
            return config
        schema = validator.schema if isinstance(validator.schema, Mapping) else {}
        config = mark_dependencies(schema, config)
        problems = [error for error in validator.iter_errors(config) if not _is_reference(error.instance)]
        if not problems:
            return config
        described = sorted(_describe(error, schema) for error in problems)
        field, rule = described[0]
        raise InvalidInputError(
            field,
            rule,
            errors=[{"field": field, "rule": rule} for field, rule in described],
        )

    async def has_types(self, organization_id: str, provider: str) -> bool:
        """Whether the provider registered resource types (it is deployed or runs in the server)."""
        return bool(await self._validators(organization_id, provider))

    async def _validators(self, organization_id: str, provider: str) -> dict[str, Draft202012Validator]:
        key = (organization_id, provider)
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self._database.reading() as connection:
            rows = await store.list_resource_types(connection, organization_id, provider)
        validators = {row["resource"]: Draft202012Validator(row["schema"] or {}) for row in rows}
        self._cache[key] = (now + _CACHE_SECONDS, validators)
        return validators


def _is_reference(value: Any) -> bool:
    if isinstance(value, str):
        return "${" in value
    return isinstance(value, dict) and value.keys() >= _FIELD_REFERENCE_KEYS


def _describe(error: ValidationError, root: Mapping[str, Any]) -> tuple[str, str]:
    path = ["config", *(str(part) for part in error.absolute_path)]
    if error.validator == "required":
        missing = error.message.split("'")[1] if error.message.count("'") >= 2 else None
        if missing is not None:
            return ".".join([*path, missing]), "is required"
    if isinstance(error.schema, Mapping) and (kinds := dependency_types(error.schema, root)):
        return ".".join(path), (
            f"must be a dependency on a {' or '.join(kinds)} resource: "
            "{provider: ..., resource: ..., name: ...}"
        )
    return ".".join(path), error.message
