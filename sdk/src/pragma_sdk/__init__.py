"""Pragmatiks SDK: clients, typed resource models and provider authoring."""

from pragma_sdk.client import AsyncPragmaClient, PragmaClient
from pragma_sdk.models import (
    BuildStatus,
    DeploymentStatus,
    EventType,
    FieldReference,
    LifecycleState,
    OwnerReference,
    ResourceReference,
    ResponseStatus,
    UserInfo,
)
from pragma_sdk.resource import Config, Dependency, Field, Outputs, Resource

__version__ = "0.1.0"

__all__ = [
    "AsyncPragmaClient",
    "BuildStatus",
    "Config",
    "Dependency",
    "DeploymentStatus",
    "EventType",
    "Field",
    "FieldReference",
    "LifecycleState",
    "Outputs",
    "OwnerReference",
    "PragmaClient",
    "Resource",
    "ResourceReference",
    "ResponseStatus",
    "UserInfo",
]
