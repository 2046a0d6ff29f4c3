"""Dependencies and documents: find ``Dependency`` fields in a config and resolve them.

``handle_event`` resolves each dependency from the event's ``resolved_dependencies``;
``ProviderHarness`` turns resources given to it into the documents an event carries.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from pragma_sdk.models import LifecycleState, resource_id
from pragma_sdk.resource import Dependency, Resource, outputs_class_of


def iter_dependencies(value: Any) -> Iterator[Dependency[Any]]:
    """Yield every ``Dependency`` in ``value``: a config, nested models, lists, tuples, sets, dicts."""
    if isinstance(value, Dependency):
        yield value
    elif isinstance(value, BaseModel):
        for field_name in type(value).model_fields:
            yield from iter_dependencies(getattr(value, field_name, None))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from iter_dependencies(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from iter_dependencies(item)


def resource_from_document(
    resource_class: type[Resource[Any, Any]], document: Mapping[str, Any]
) -> Resource[Any, Any]:
    """Parse a resource document into ``resource_class``, preferring its resolved config.

    Unlike a client's typed response, empty outputs become an Outputs instance when they are
    valid for the Outputs class, because a ready resource has reported its outputs.

    Raises:
        pydantic.ValidationError: The document does not fit ``resource_class``.
    """
    data = dict(document)
    resolved_config = data.get("resolved_config")
    if isinstance(resolved_config, Mapping):
        data["config"] = resolved_config
    resource = resource_class.model_validate(data)
    raw_outputs = data.get("outputs")
    outputs_class = outputs_class_of(resource_class)
    if resource.outputs is None and isinstance(raw_outputs, Mapping) and outputs_class is not None:
        # Required outputs not reported yet: stay None, as in a client's typed response.
        with contextlib.suppress(ValidationError):
            resource.outputs = outputs_class.model_validate(raw_outputs)
    return resource


def bind_dependencies(config: Any, documents: Mapping[str, Mapping[str, Any]]) -> None:
    """Resolve every ``Dependency`` in ``config`` whose id has a document in ``documents``.

    Dependencies without a document, or declared without a target type, stay unresolved:
    ``resolve()`` then raises ``DependencyNotResolvedError``.

    Raises:
        ValueError: A document does not fit the dependency's Resource class; the message names it.
    """
    for dependency in iter_dependencies(config):
        document = documents.get(dependency.id)
        target = type(dependency).target_class()
        if document is None or target is None or dependency.is_resolved:
            continue
        try:
            dependency.bind(resource_from_document(target, document))
        except ValidationError as exc:
            raise ValueError(
                f"dependency {dependency.id} does not fit {target.__name__}: {describe_validation_error(exc)}"
            ) from exc


def document_of(resource: Resource[Any, Any] | Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return ``(id, document)`` for a ready resource given as a ``Resource`` or a document.

    Raises:
        ValueError: The resource's class has no ``provider``/``resource``, or a document lacks them.
    """
    if isinstance(resource, Resource):
        resource_class = type(resource)
        provider = getattr(resource_class, "provider", None)
        resource_type = getattr(resource_class, "resource", None)
        if provider is None or resource_type is None:
            raise ValueError(
                f"{resource_class.__name__} has no provider/resource: register it with "
                "@provider.resource(...) or set both class attributes"
            )
        document = resource.model_dump(mode="json", by_alias=True, exclude_none=True)
        document.update(provider=provider, resource=resource_type, id=resource.id)
        document.setdefault("outputs", {})
        if "lifecycle_state" not in resource.model_fields_set:
            document["lifecycle_state"] = LifecycleState.READY.value
        return resource.id, document
    document = dict(resource)
    try:
        identifier = document.get("id") or resource_id(
            document["provider"], document["resource"], document["name"]
        )
    except KeyError as exc:
        raise ValueError(
            f"a dependency document needs provider, resource and name; {exc} is missing"
        ) from None
    return str(identifier), document


def describe_validation_error(exc: ValidationError) -> str:
    """One line per error, ``field.path: message``, joined with ``; ``."""
    lines = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"])
        lines.append(f"{location}: {error['msg']}" if location else str(error["msg"]))
    return "; ".join(lines)
