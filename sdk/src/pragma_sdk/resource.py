"""Typed resource models: ``Resource[ConfigT, OutputsT]``, ``Config``, ``Outputs``.

Users subclass these to get typed responses from the clients; provider authors subclass
them to implement lifecycle handlers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Generic, Literal, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PydanticField

from pragma_sdk.models import (
    FieldReference,
    LifecycleState,
    OwnerReference,
    ResourceReference,
    resource_id,
)

T = TypeVar("T")


class Config(BaseModel):
    """Base of a resource type's configuration. Unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid")


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


ResourceT = TypeVar("ResourceT", bound=Resource[Any, Any])


class Dependency(BaseModel, Generic[ResourceT]):
    """A whole-resource dependency, declared in a config as ``database: Dependency[Database]``.

    On the wire it is ``{"__dependency__": true, "provider", "resource", "name"}``.
    """

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    dependency_marker: Literal[True] = PydanticField(default=True, alias="__dependency__")
    provider: str
    resource: str
    name: str

    @property
    def id(self) -> str:
        """The platform id of the resource depended on."""
        return resource_id(self.provider, self.resource, self.name)
