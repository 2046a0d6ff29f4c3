"""Pragmatiks SDK: clients, typed resource models and provider authoring."""

from pragma_sdk.client import AsyncPragmaClient, PragmaClient
from pragma_sdk.errors import (
    DependencyNotResolvedError,
    NoRuntimeContextError,
    NotFoundError,
    ResourceFailedError,
)
from pragma_sdk.models import (
    BuildInfo,
    BuildStatus,
    DeploymentResult,
    DeploymentStatus,
    EventType,
    FieldReference,
    FileInfo,
    FileMetadata,
    HealthStatus,
    LifecycleState,
    LogEntry,
    OwnerReference,
    ProviderDeleteResult,
    ProviderInfo,
    ProviderStatus,
    PushResult,
    ResourceHealth,
    ResourceReference,
    ResponseStatus,
    SignedUrlResponse,
    UserInfo,
)
from pragma_sdk.provider import Provider
from pragma_sdk.resource import Config, Dependency, Field, Outputs, Resource

__version__ = "0.1.0"

__all__ = [
    "AsyncPragmaClient",
    "BuildInfo",
    "BuildStatus",
    "Config",
    "Dependency",
    "DependencyNotResolvedError",
    "DeploymentResult",
    "DeploymentStatus",
    "EventType",
    "Field",
    "FieldReference",
    "FileInfo",
    "FileMetadata",
    "HealthStatus",
    "LifecycleState",
    "LogEntry",
    "NoRuntimeContextError",
    "NotFoundError",
    "Outputs",
    "OwnerReference",
    "PragmaClient",
    "Provider",
    "ProviderDeleteResult",
    "ProviderInfo",
    "ProviderStatus",
    "PushResult",
    "Resource",
    "ResourceFailedError",
    "ResourceHealth",
    "ResourceReference",
    "ResponseStatus",
    "SignedUrlResponse",
    "UserInfo",
]
