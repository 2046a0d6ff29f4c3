"""Typed resource models: ``Resource[ConfigT, OutputsT]``, ``Config``, ``Outputs``, ``Dependency``.

Users subclass these to get typed responses from the clients; provider authors subclass
them to implement lifecycle handlers, which ``pragma_sdk.provider`` runs.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Awaitable
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar, Final, Generic, Literal, Self, TypeAlias, TypeVar, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    GetJsonSchemaHandler,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic import Field as PydanticField
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, to_jsonable_python

from pragma_sdk.errors import DependencyNotResolvedError
from pragma_sdk.models import (
    FieldReference,
    HealthStatus,
    LifecycleState,
    LogEntry,
    OwnerReference,
    ResourceHealth,
    ResourceReference,
    resource_id,
)
from pragma_sdk.references import as_field_reference

T = TypeVar("T")


KEEP_REFERENCES: Final = MappingProxyType({"keep_references": True})
"""Validation context under which a ``Config`` keeps the references it holds (see ``Config``)."""


class Config(BaseModel):
    """Base of a resource type's configuration. Unknown fields are rejected.

    A config read back from the platform (``get_resource``/``list_resources`` with ``model=``)
    holds what was applied: a value taken from another resource stays a ``FieldReference``
    (a ``${...}`` string stays that string), even in a field typed for the value itself
    (``api_key: str``); ``resolved_config`` of the raw document has the values. A handler's
    config has every reference resolved.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="wrap")
    @classmethod
    def _keep_references(cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        try:
            return handler(value)
        except ValidationError as error:
            if not (info.context or {}).get("keep_references"):
                raise
            kept = _with_references_kept(value, error)
            if kept is _NOT_REFERENCES:
                raise
            return kept

    # No return annotation: pydantic would take it as every field's serialized type and
    # blank their serialization JSON schemas.
    @field_serializer("*", mode="wrap")
    def _dump_references(self, value: Any, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        # A reference kept in a field typed for its value is written back as the reference.
        if isinstance(value, FieldReference):
            return value.model_dump(mode="json")
        if isinstance(value, (list, dict)) and _holds_reference(value):
            return to_jsonable_python(value, by_alias=True)
        return handler(value)


_NOT_REFERENCES: Final = object()


def _with_references_kept(value: Any, error: ValidationError) -> Any:
    """``value`` with the references at every place ``error`` names turned into
    ``FieldReference``s (``${...}`` strings kept), or ``_NOT_REFERENCES`` when some place
    holds something else."""
    places = [item["loc"] for item in error.errors()]
    for place in places:
        if not _is_reference(_at(value, place)):
            return _NOT_REFERENCES
    kept = _as_reference(value) if () in places else _copy(value)
    for place in places:
        if place:
            parent = _at(kept, place[:-1])
            parent[place[-1]] = _as_reference(parent[place[-1]])
    return kept


def _at(value: Any, place: tuple[int | str, ...]) -> Any:
    for step in place:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return _NOT_REFERENCES
    return value


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _is_reference(value: Any) -> bool:
    if isinstance(value, (FieldReference, str)):
        return isinstance(value, FieldReference) or "${" in value
    return isinstance(value, dict) and as_field_reference(value) is not None


def _as_reference(value: Any) -> Any:
    return FieldReference.model_validate(value) if isinstance(value, dict) else value


def _holds_reference(value: Any) -> bool:
    if isinstance(value, FieldReference):
        return True
    if isinstance(value, dict):
        return any(_holds_reference(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_reference(item) for item in value)
    return False


class Outputs(BaseModel):
    """Base of what a provider reports back about a resource. Unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid")


ConfigT = TypeVar("ConfigT", bound=Config)
OutputsT = TypeVar("OutputsT", bound=Outputs)

Field: TypeAlias = T | FieldReference
"""A config value given directly or taken from another resource: ``api_key: Field[str]``."""


class Resource(BaseModel, Generic[ConfigT, OutputsT]):
    """A resource with typed config and outputs.

    Subclasses name their type with the class attributes ``provider`` and ``resource``::

        class Bucket(Resource[BucketConfig, BucketOutputs]):
            provider = "gcp"
            resource = "storage"

    or, in a provider package, with ``@provider.resource("storage")``, which sets both. Provider
    authors override the lifecycle handlers ``on_create``, ``on_update`` and ``on_delete``, and
    optionally ``health`` and ``logs``. Handlers must be idempotent: an event can be delivered
    more than once.

    ``outputs`` is ``None`` until the provider has reported them.
    """

    model_config = ConfigDict(extra="ignore")

    provider: ClassVar[str]
    resource: ClassVar[str]

    name: str
    config: ConfigT
    outputs: OutputsT | None = None
    tags: list[str] | None = None
    lifecycle_state: LifecycleState = LifecycleState.DRAFT
    error: str | None = None
    dependencies: list[ResourceReference] = PydanticField(default_factory=list)
    owner_references: list[OwnerReference] = PydanticField(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @field_validator("outputs", mode="before")
    @classmethod
    def _no_outputs_yet(cls, value: Any) -> Any:
        return None if value == {} else value

    @property
    def id(self) -> str:
        """The platform id of this resource."""
        return resource_id(self.provider, self.resource, self.name)

    def to_apply_body(self) -> dict[str, Any]:
        """Return the body that applies this resource.

        ``provider`` and ``resource`` come from the class; ``lifecycle_state`` is sent only
        when it was set on this instance.
        """
        body: dict[str, Any] = {
            "provider": type(self).provider,
            "resource": type(self).resource,
            "name": self.name,
            "config": self.config.model_dump(mode="json", by_alias=True),
            "dependencies": [ref.model_dump(mode="json") for ref in self.dependencies],
            "owner_references": [ref.model_dump(mode="json") for ref in self.owner_references],
        }
        if self.tags is not None:
            body["tags"] = list(self.tags)
        if "lifecycle_state" in self.model_fields_set:
            body["lifecycle_state"] = self.lifecycle_state.value
        return body

    async def on_create(self) -> OutputsT:
        """Create the real thing behind this resource and return its outputs.

        Called for a resource that was never provisioned. ``self.config`` is validated, field
        references in it are already replaced by their values and its ``Dependency`` fields
        are resolved. The default raises ``NotImplementedError``.

        Returns:
            The outputs, as an instance of the Outputs class (a dict valid for it is accepted).

        Raises:
            ValueError: The config cannot work; the event fails without retries.
            Exception: Any other error fails this attempt; the platform retries it.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement on_create")

    async def on_update(self, previous_config: ConfigT) -> OutputsT:
        """Bring the real thing in line with a changed config and return its outputs.

        Called for a provisioned resource whose config, or a dependency's outputs, changed.
        ``self.outputs`` holds the outputs of the last success. The default raises
        ``NotImplementedError``: an update is never silently treated as a create.

        Args:
            previous_config: The config of the last successful create or update.

        Returns:
            The outputs, as an instance of the Outputs class (a dict valid for it is accepted).
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement on_update")

    async def on_delete(self) -> None:
        """Remove the real thing behind this resource.

        ``self.outputs`` holds the outputs of the last success. The default raises
        ``NotImplementedError``, as in the public SDK; the worker runtime and
        ``ProviderHarness`` treat a type that does not override it as having nothing to clean
        up, so its deletes succeed.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement on_delete")

    async def health(self) -> ResourceHealth:
        """Report the health of the real thing behind this resource.

        Return a ``HealthStatus`` (``healthy``, ``degraded`` or ``unhealthy``, with an optional
        ``message`` and ``details``). The default reports ``healthy``: a type without a health
        check never raises alarms.
        """
        return HealthStatus(status="healthy")

    def logs(
        self, since: datetime | None = None, tail: int = 100
    ) -> AsyncIterator[LogEntry] | Awaitable[list[LogEntry]]:
        """Report recent log lines of the real thing behind this resource; by default none.

        Override it as an async generator, as the public SDK's providers do
        (``async def logs(...)`` that ``yield``s ``LogEntry``s), or as a coroutine returning a
        list of them; the worker runtime accepts both.

        Args:
            since: Only lines at or after this time, when given.
            tail: At most this many lines, the newest ones.

        Returns:
            The entries, as an async iterator or as an awaitable list. The default returns an
            awaitable empty list.
        """
        return _no_log_entries()

    def set_owner(self, owner: Resource[Any, Any] | OwnerReference | None = None) -> Self:
        """Make ``owner`` own this resource: deleting the owner deletes this one first.

        Without an argument the owner is the resource whose handler is running (what
        ``apply()`` does by itself). Returns this resource.

        Raises:
            NoRuntimeContextError: No owner given and no handler is running.
        """
        if owner is None:
            from pragma_sdk.provider._context import current_scope

            reference = current_scope("Resource.set_owner()").owner
        elif isinstance(owner, Resource):
            kind = type(owner)
            reference = OwnerReference(provider=kind.provider, resource=kind.resource, name=owner.name)
        else:
            reference = owner
        if all(existing.id != reference.id for existing in self.owner_references):
            self.owner_references = [*self.owner_references, reference]
        return self

    async def apply(self) -> Self:
        """Apply this resource as a subresource of the resource whose handler is running.

        The running handler's resource is added to ``owner_references``, so deleting it deletes
        this one first. Fills ``lifecycle_state`` (and whatever else the platform reports) on
        this instance and returns it.

        Raises:
            NoRuntimeContextError: Called outside a handler; use ``PragmaClient.apply_resource``.
        """
        # Imported here: pragma_sdk.provider imports this module.
        from pragma_sdk.provider._context import current_scope

        scope = current_scope("Resource.apply()")
        if all(reference.id != scope.owner.id for reference in self.owner_references):
            self.owner_references = [*self.owner_references, scope.owner]
        applied = await scope.require_runtime("Resource.apply()").apply(self)
        self._take_state_of(applied)
        return self

    async def wait_ready(self, timeout: float = 60.0) -> Self:
        """Wait until this resource is ``ready``, fill its ``outputs`` and return it.

        Args:
            timeout: Seconds to wait at most.

        Raises:
            TimeoutError: It was not ready within ``timeout`` seconds.
            ResourceFailedError: It ended in ``failed``.
            NoRuntimeContextError: Called outside a handler.
        """
        from pragma_sdk.provider._context import current_scope

        scope = current_scope("Resource.wait_ready()")
        ready = await scope.require_runtime("Resource.wait_ready()").wait_ready(self, timeout)
        self._take_state_of(ready)
        return self

    def _take_state_of(self, other: Resource[Any, Any]) -> None:
        """Copy what the platform manages from ``other``, the same resource as it reports it."""
        self.lifecycle_state = other.lifecycle_state
        self.outputs = other.outputs
        self.error = other.error
        self.created_at = other.created_at or self.created_at
        self.updated_at = other.updated_at or self.updated_at


ResourceT = TypeVar("ResourceT", bound=Resource[Any, Any])


async def _no_log_entries() -> list[LogEntry]:
    return []


def overrides_on_delete(resource_class: type[Resource[Any, Any]]) -> bool:
    """Whether ``resource_class`` has an ``on_delete`` of its own rather than the default."""
    return resource_class.on_delete is not _DEFAULT_ON_DELETE


_DEFAULT_ON_DELETE = Resource.on_delete


def config_class_of(resource_class: type[Resource[Any, Any]]) -> type[Config] | None:
    """Return the Config class a ``Resource[ConfigT, OutputsT]`` subclass was declared with."""
    annotation = resource_class.model_fields["config"].annotation
    return annotation if isinstance(annotation, type) and issubclass(annotation, Config) else None


def outputs_class_of(resource_class: type[Resource[Any, Any]]) -> type[Outputs] | None:
    """Return the Outputs class a ``Resource[ConfigT, OutputsT]`` subclass was declared with."""
    annotation = resource_class.model_fields["outputs"].annotation
    for candidate in typing.get_args(annotation) or (annotation,):
        if isinstance(candidate, type) and issubclass(candidate, Outputs):
            return candidate
    return None


class Dependency(BaseModel, Generic[ResourceT]):
    """A whole-resource dependency, declared in a config as ``database: Dependency[Database]``.

    On the wire it is ``{"__dependency__": true, "provider", "resource", "name"}``
    (``dependency_marker`` is accepted in place of ``__dependency__``). In a handler the
    runtime has resolved it to the ready resource: ``await dependency.resolve()`` returns it
    typed, and ``dependency.outputs`` / ``dependency.config`` read it directly.

    A field may take one of several types, ``Dependency[AnthropicModel] | Dependency[OpenAIModel]``
    (also in lists): the member whose resource type the marker names is chosen.
    """

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    dependency_marker: Literal[True] = PydanticField(default=True, alias="__dependency__")
    provider: str
    resource: str
    name: str

    _resolved: ResourceT | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _fit_target(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        """Refuse a marker naming another type than the target; keep the resolution of an instance given.

        Refusing lets ``Dependency[A] | Dependency[B]`` pick its member by provider and
        resource instead of taking the first one. A dependency given as an instance (an
        unparametrized ``Dependency(...)`` whose ``_resolved`` a test set, for one) is
        validated again into the field's type; its resolution carries over.
        """
        resolved = value._resolved if isinstance(value, Dependency) else None
        dependency = handler(value)
        target = cls.target_class()
        wanted = (getattr(target, "provider", None), getattr(target, "resource", None))
        named = (dependency.provider, dependency.resource)
        if isinstance(wanted[0], str) and isinstance(wanted[1], str) and named != wanted:
            raise ValueError(
                f"{named[0]}/{named[1]} is not the type this dependency takes ({wanted[0]}/{wanted[1]})"
            )
        if resolved is not None and dependency._resolved is None:
            dependency._resolved = resolved
        return dependency

    @classmethod
    def of(cls, resource: ResourceT) -> Dependency[ResourceT]:
        """Return a dependency on ``resource``, already resolved to it.

        Handy to build configs in code and in tests: ``Dependency.of(database)``.
        """
        dependency_class = cast("type[Dependency[ResourceT]]", Dependency[type(resource)])  # type: ignore[misc]
        dependency = dependency_class(
            provider=type(resource).provider, resource=type(resource).resource, name=resource.name
        )
        dependency.bind(resource)
        return dependency

    @classmethod
    def target_class(cls) -> type[Resource[Any, Any]] | None:
        """The Resource subclass this dependency type points at (``Database`` in ``Dependency[Database]``)."""
        args = cls.__pydantic_generic_metadata__["args"]
        target = args[0] if args else None
        return target if isinstance(target, type) and issubclass(target, Resource) else None

    @property
    def id(self) -> str:
        """The platform id of the resource depended on."""
        return resource_id(self.provider, self.resource, self.name)

    @property
    def is_resolved(self) -> bool:
        """Whether the runtime has resolved this dependency to its resource."""
        return self._resolved is not None

    @property
    def resolved(self) -> ResourceT | None:
        """The resource this dependency is resolved to, or ``None`` (where ``resolve()`` raises)."""
        return self._resolved

    def bind(self, resource: ResourceT) -> None:
        """Resolve this dependency to ``resource``; the runtime calls this before a handler runs.

        Raises:
            ValueError: ``resource`` is not the resource this dependency names.
        """
        if resource.id != self.id:
            raise ValueError(f"dependency on {self.id} cannot be resolved to {resource.id}")
        self._resolved = resource

    async def resolve(self) -> ResourceT:
        """Return the resource depended on, typed, with its config and outputs.

        Raises:
            DependencyNotResolvedError: The runtime has not resolved it (outside a handler, or
                the event carried no document for it).
        """
        return self._require()

    @property
    def outputs(self) -> Any:
        """The outputs of the resource depended on (``resolve()`` gives them fully typed)."""
        return self._require().outputs

    @property
    def config(self) -> Any:
        """The config of the resource depended on (``resolve()`` gives it fully typed)."""
        return self._require().config

    def _require(self) -> ResourceT:
        if self._resolved is None:
            raise DependencyNotResolvedError(
                f"dependency on {self.id} is not resolved: dependencies are resolved only for a "
                "handler run by the worker runtime or ProviderHarness, from the event's "
                "resolved_dependencies"
            )
        return self._resolved

    def __eq__(self, other: object) -> bool:
        # Resolution is runtime state: two markers naming the same resource are equal.
        if isinstance(other, Dependency):
            return self.id == other.id
        return NotImplemented

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Require the marker, and pin ``provider``/``resource`` when the target type is known."""
        json_schema = handler.resolve_ref_schema(handler(core_schema))
        marker = cls.model_fields["dependency_marker"].alias or "dependency_marker"
        required = json_schema.setdefault("required", [])
        if marker not in required:
            required.insert(0, marker)
        target = cls.target_class()
        provider = getattr(target, "provider", None)
        resource = getattr(target, "resource", None)
        properties = json_schema.get("properties", {})
        if isinstance(provider, str) and "provider" in properties:
            properties["provider"]["const"] = provider
        if isinstance(resource, str) and "resource" in properties:
            properties["resource"]["const"] = resource
        if isinstance(provider, str) and isinstance(resource, str):
            json_schema["description"] = f"A dependency on a {provider}/{resource} resource."
        return json_schema
