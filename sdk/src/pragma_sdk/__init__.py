"""Pragmatiks SDK: clients, typed resource models and provider authoring.

The names below are imported on first use, so that importing one module of the SDK (the
CLI's ``pragma config`` needs only ``pragma_sdk.credentials``) does not pay for the clients,
httpx and pydantic.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pragma_sdk.client import AsyncPragmaClient, PragmaClient
    from pragma_sdk.errors import (
        ConflictError,
        DependencyNotResolvedError,
        NoRuntimeContextError,
        NotFoundError,
        PragmaAPIError,
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
    "ConflictError",
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
    "PragmaAPIError",
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

_EXPORTS = {
    "pragma_sdk.client": ("AsyncPragmaClient", "PragmaClient"),
    "pragma_sdk.errors": (
        "ConflictError",
        "DependencyNotResolvedError",
        "NoRuntimeContextError",
        "NotFoundError",
        "PragmaAPIError",
        "ResourceFailedError",
    ),
    "pragma_sdk.provider": ("Provider",),
    "pragma_sdk.resource": ("Config", "Dependency", "Field", "Outputs", "Resource"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import an exported name the first time it is asked for (the models' by default)."""
    if name not in __all__:
        raise AttributeError(f"module 'pragma_sdk' has no attribute {name!r}")
    value = getattr(import_module(_MODULE_OF.get(name, "pragma_sdk.models")), name)
    globals()[name] = value  # later lookups find it without this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
