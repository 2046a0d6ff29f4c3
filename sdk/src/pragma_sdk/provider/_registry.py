"""``Provider`` and its registry of resource types, filled by ``@provider.resource("type")``.

Each registration is a frozen record; ``handle_event`` looks handlers up here and the build
reads the JSON schemas of each type from ``Provider.resource_types()``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from pragma_sdk.models import PROVIDER_RULE, RESOURCE_TYPE_RULE, ProviderName, ResourceType
from pragma_sdk.provider._handling import handle_event
from pragma_sdk.resource import Config, Outputs, Resource, config_class_of, outputs_class_of

if TYPE_CHECKING:
    from pragma_sdk.provider._context import RuntimeContext
    from pragma_sdk.provider._events import LifecycleEvent, LifecycleResult

ResourceClassT = TypeVar("ResourceClassT", bound=type[Resource[Any, Any]])

_provider_name: TypeAdapter[str] = TypeAdapter(ProviderName)
_resource_type: TypeAdapter[str] = TypeAdapter(ResourceType)


@dataclass(frozen=True)
class ResourceRegistration:
    """One resource type of a provider.

    Attributes:
        provider: Name of the provider.
        resource_type: The type, such as ``database`` or ``cloudsql/database_instance``.
        resource_class: The ``Resource`` subclass whose handlers serve the type.
        config_class: Its Config class.
        outputs_class: Its Outputs class.
        description: The class docstring, cleaned, or ``None``.
    """

    provider: str
    resource_type: str
    resource_class: type[Resource[Any, Any]]
    config_class: type[Config]
    outputs_class: type[Outputs]
    description: str | None

    def definition(self) -> dict[str, Any]:
        """Return the type as the platform registers it.

        Returns:
            ``provider``, ``resource``, ``schema`` (JSON Schema of the config, validation mode),
            ``outputs_schema`` (JSON Schema of the outputs, serialization mode), ``description``.
        """
        return {
            "provider": self.provider,
            "resource": self.resource_type,
            "schema": self.config_class.model_json_schema(mode="validation"),
            "outputs_schema": self.outputs_class.model_json_schema(mode="serialization"),
            "description": self.description,
        }


class Provider:
    """A provider: a named set of resource types with their lifecycle handlers.

    ::

        mycloud = Provider(name="mycloud")

        @mycloud.resource("database")
        class Database(Resource[DatabaseConfig, DatabaseOutputs]):
            async def on_create(self) -> DatabaseOutputs: ...
    """

    def __init__(self, name: str) -> None:
        """Create a provider named ``name``.

        Raises:
            ValueError: ``name`` breaks the provider name rule.
        """
        try:
            self.name: str = _provider_name.validate_python(name)
        except ValidationError:
            raise ValueError(f"invalid provider name {name!r}: it {PROVIDER_RULE}") from None
        self._registrations: dict[str, ResourceRegistration] = {}

    def __repr__(self) -> str:
        return f"Provider(name={self.name!r}, resources={sorted(self._registrations)!r})"

    @property
    def resources(self) -> Mapping[str, type[Resource[Any, Any]]]:
        """The ``Resource`` class of each registered type, by type, as in the public SDK (a copy)."""
        return MappingProxyType(
            {key: registration.resource_class for key, registration in self._registrations.items()}
        )

    @property
    def registrations(self) -> Mapping[str, ResourceRegistration]:
        """The registration of each type, with its Config and Outputs classes (a read-only view)."""
        return MappingProxyType(self._registrations)

    def resource(self, resource_type: str) -> Callable[[ResourceClassT], ResourceClassT]:
        """Return a class decorator registering a ``Resource`` subclass as ``resource_type``.

        The decorator sets the class attributes ``provider`` and ``resource``, and records the
        Config and Outputs classes and the class docstring (the type's description).

        Args:
            resource_type: Type name: ``/``-separated segments of ``a-z``, ``0-9``, ``_``, ``-``.

        Raises:
            ValueError: The type name is invalid, or already registered (at decoration), or the
                class is already registered or declares another provider or type.
            TypeError: The decorated class is not a ``Resource[ConfigT, OutputsT]`` subclass
                with concrete Config and Outputs classes.
        """
        try:
            _resource_type.validate_python(resource_type)
        except ValidationError:
            raise ValueError(f"invalid resource type {resource_type!r}: it {RESOURCE_TYPE_RULE}") from None

        def register(resource_class: ResourceClassT) -> ResourceClassT:
            self._register(resource_type, resource_class)
            return resource_class

        return register

    def _register(self, resource_type: str, resource_class: type[Resource[Any, Any]]) -> None:
        label = f"{self.name}/{resource_type}"
        if not (isinstance(resource_class, type) and issubclass(resource_class, Resource)):
            raise TypeError(f"@{self.name}.resource({resource_type!r}) decorates Resource subclasses only")
        config_class = config_class_of(resource_class)
        outputs_class = outputs_class_of(resource_class)
        if config_class is None or outputs_class is None:
            raise TypeError(
                f"{resource_class.__name__} must subclass Resource[ConfigT, OutputsT] with concrete "
                "Config and Outputs classes"
            )
        if resource_type in self._registrations:
            taken = self._registrations[resource_type].resource_class.__name__
            raise ValueError(f"{label} is already registered (by {taken})")
        for registration in self._registrations.values():
            if registration.resource_class is resource_class:
                raise ValueError(
                    f"{resource_class.__name__} is already registered as "
                    f"{self.name}/{registration.resource_type}"
                )
        for attribute, wanted in (("provider", self.name), ("resource", resource_type)):
            declared = resource_class.__dict__.get(attribute, wanted)
            if declared != wanted:
                raise ValueError(
                    f"{resource_class.__name__} declares {attribute} = {declared!r} but is registered "
                    f"as {label}"
                )
        resource_class.provider = self.name
        resource_class.resource = resource_type
        doc = resource_class.__dict__.get("__doc__")
        self._registrations[resource_type] = ResourceRegistration(
            provider=self.name,
            resource_type=resource_type,
            resource_class=resource_class,
            config_class=config_class,
            outputs_class=outputs_class,
            description=inspect.cleandoc(doc) if isinstance(doc, str) and doc.strip() else None,
        )

    def registration(self, resource_type: str) -> ResourceRegistration:
        """Return the registration of ``resource_type``.

        Raises:
            LookupError: The type is not registered; the message lists the known ones.
        """
        try:
            return self._registrations[resource_type]
        except KeyError:
            known = ", ".join(sorted(self._registrations)) or "none"
            raise LookupError(
                f"provider {self.name!r} has no resource type {resource_type!r} (known: {known})"
            ) from None

    def resource_types(self) -> list[dict[str, Any]]:
        """Return the definition of every registered type (see ``ResourceRegistration.definition``)."""
        return [self._registrations[key].definition() for key in sorted(self._registrations)]

    async def handle(
        self, event: LifecycleEvent, *, runtime: RuntimeContext | None = None
    ) -> LifecycleResult:
        """Run the handler for ``event``; shorthand for ``handle_event(self, event, runtime=runtime)``."""
        return await handle_event(self, event, runtime=runtime)
