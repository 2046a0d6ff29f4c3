"""Where the public SDK keeps the authoring base classes: ``Config``, ``Outputs``, ``Resource``.

These are the very classes of ``pragma_sdk.resource``, not copies, so a test patching
``pragma_sdk.models.base.Resource.apply`` patches what the worker and the harness run.
"""

from pragma_sdk.models import HealthStatus, LifecycleState, LogEntry, OwnerReference, ResourceReference
from pragma_sdk.resource import Config, Dependency, Outputs, Resource

__all__ = [
    "Config",
    "Dependency",
    "HealthStatus",
    "LifecycleState",
    "LogEntry",
    "Outputs",
    "OwnerReference",
    "Resource",
    "ResourceReference",
]
