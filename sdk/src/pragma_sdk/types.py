"""The small value types providers import from ``pragma_sdk.types`` in the public SDK.

They are defined with the wire models in ``pragma_sdk.models``; this module only names them
where provider packages written for the public SDK look for them.
"""

from pragma_sdk.models import EventType, HealthStatus, LifecycleState, LogEntry, ResponseStatus

__all__ = ["EventType", "HealthStatus", "LifecycleState", "LogEntry", "ResponseStatus"]
