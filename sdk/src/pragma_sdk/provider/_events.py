"""The contract between the lifecycle engine and a provider: one event in, one result out.

The engine builds ``LifecycleEvent``s; the worker runtime (or ``ProviderHarness``) hands them
to ``handle_event`` and sends the ``LifecycleResult`` back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from pragma_sdk.models import EventType, JsonInt, OwnerReference, ResponseStatus, WireModel

MAX_TRACEBACK_LENGTH = 16_000
"""The most characters of a failed handler's traceback that a result carries and the platform keeps."""


def cap_traceback(text: str, limit: int = MAX_TRACEBACK_LENGTH) -> str:
    """``text`` cut to ``limit`` characters, keeping its end (the exception and the innermost frames)."""
    if len(text) <= limit:
        return text
    marker = f"[{len(text) - limit} characters of the traceback cut]\n"
    return marker + text[len(text) - limit + len(marker) :]


class LifecycleEvent(WireModel):
    """One lifecycle event for one resource.

    Attributes:
        event_id: Id of the event (``evt_...``); the result carries it back.
        event_type: ``CREATE`` (never provisioned), ``UPDATE`` or ``DELETE``.
        provider: Provider of the resource.
        resource: Resource type, such as ``database`` or ``cloudsql/database_instance``.
        name: Name of the resource.
        config: Resolved config: field references are replaced by their values; dependency
            markers (``{"__dependency__": true, ...}``) are kept.
        previous_config: For ``UPDATE``, the config of the last success.
        outputs: Outputs of the last success (``UPDATE`` and ``DELETE``).
        tags: Tags of the resource.
        resolved_dependencies: Resource id to resource document (``provider``, ``resource``,
            ``name``, ``config``, ``outputs``, ``lifecycle_state``, ...) for each dependency
            marker in the config.
        owner_references: Owners of the resource.
        attempt: 1 for the first delivery, counting up with each retry.
        request_id: The ``X-Request-ID`` of the API request that caused the event (an apply,
            or the apply whose change reached this resource through a dependency), when
            known; the handler's log lines carry it. Older servers send none.
        traceparent: The W3C ``traceparent`` of the apply's span (the same cause as
            ``request_id``) when the server exports traces; the handler's span is its child.
            Older servers, and servers not tracing, send none.
    """

    event_id: str
    event_type: EventType
    provider: str
    resource: str
    name: str
    config: dict[str, Any] = Field(default_factory=dict)
    previous_config: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    tags: list[str] | None = None
    resolved_dependencies: dict[str, dict[str, Any]] = Field(default_factory=dict)
    owner_references: list[OwnerReference] = Field(default_factory=list)
    attempt: int = 1
    request_id: str | None = None
    traceparent: str | None = None


class HandlerOutcome:
    """Mixin for how a handler went: ``success`` and ``failed``, read from ``status``."""

    __slots__ = ()

    if TYPE_CHECKING:  # for type checkers only: pydantic would take it for a field, ordered first
        status: ResponseStatus

    @property
    def success(self) -> bool:
        """Whether the handler succeeded."""
        return self.status is ResponseStatus.SUCCESS

    @property
    def failed(self) -> bool:
        """Whether the handler failed."""
        return self.status is ResponseStatus.FAILURE


class LifecycleResult(WireModel, HandlerOutcome):
    """How a provider handled one event.

    Attributes:
        event_id: Id of the event handled.
        status: ``success`` or ``failure``.
        outputs: On a successful create or update, the resource's new outputs.
        error: On failure, what went wrong (``"RuntimeError: quota exceeded"``).
        permanent: On failure, whether retrying cannot help (``ValueError``, validation errors,
            an unknown resource type, a missing handler), so the engine fails the resource now.
        traceback: On failure in the handler's code, the formatted traceback (Python's
            ``traceback.format_exception``), at most ``MAX_TRACEBACK_LENGTH`` characters.
        attempt: The delivery this result is for (the event's ``attempt``); the engine refuses
            a result for an earlier delivery of a redelivered event.
    """

    event_id: str
    status: ResponseStatus
    outputs: dict[str, Any] | None = None
    error: str | None = None
    # Strict: the server takes ``"yes"`` or ``1.0`` from no worker.
    permanent: bool = Field(default=False, strict=True)
    attempt: JsonInt | None = None
    traceback: str | None = None
