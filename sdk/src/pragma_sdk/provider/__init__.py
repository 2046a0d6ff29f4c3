"""Provider authoring: the ``Provider`` registry, event handling, the harness and discovery.

``pragma_sdk.resource`` holds the models handlers are written on; the worker runtime and
the platform's build drive what this package exports.
"""

from pragma_sdk.errors import ProviderDiscoveryError
from pragma_sdk.models import EventType
from pragma_sdk.provider._context import HandlerScope, RuntimeContext, current_scope
from pragma_sdk.provider._discovery import discover_provider, discover_providers
from pragma_sdk.provider._events import (
    MAX_TRACEBACK_LENGTH,
    LifecycleEvent,
    LifecycleResult,
    cap_traceback,
)
from pragma_sdk.provider._handling import event_log_fields, handle_event
from pragma_sdk.provider._harness import ProviderHarness
from pragma_sdk.provider._local_run import HarnessResult
from pragma_sdk.provider._memory_runtime import InMemoryRuntime
from pragma_sdk.provider._protocol import (
    MAX_WAIT_SECONDS,
    CompleteRequest,
    CompleteResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    LeasedEvent,
    LeaseRequest,
    LeaseResponse,
    NextLease,
    ProviderQuery,
    QueryAnswer,
    RejectedResult,
    SubresourceApply,
)
from pragma_sdk.provider._queries import answer_query
from pragma_sdk.provider._registry import Provider, ResourceRegistration

__all__ = [
    "MAX_TRACEBACK_LENGTH",
    "MAX_WAIT_SECONDS",
    "CompleteRequest",
    "CompleteResponse",
    "EventType",
    "HandlerScope",
    "HarnessResult",
    "HeartbeatRequest",
    "HeartbeatResponse",
    "InMemoryRuntime",
    "LeaseRequest",
    "LeaseResponse",
    "LeasedEvent",
    "LifecycleEvent",
    "LifecycleResult",
    "NextLease",
    "Provider",
    "ProviderDiscoveryError",
    "ProviderHarness",
    "ProviderQuery",
    "QueryAnswer",
    "RejectedResult",
    "ResourceRegistration",
    "RuntimeContext",
    "SubresourceApply",
    "answer_query",
    "cap_traceback",
    "current_scope",
    "discover_provider",
    "discover_providers",
    "event_log_fields",
    "handle_event",
]
