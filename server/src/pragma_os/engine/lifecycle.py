"""The gate for lifecycle states: every change of ``lifecycle_state`` is decided here.

States: draft → pending → processing → ready | failed; ready → pending on a change or a
delete; failed → pending on re-apply or retry.
"""

from __future__ import annotations

from pragma_os.errors import ConflictError
from pragma_sdk.models import LifecycleState

DRAFT = LifecycleState.DRAFT
PENDING = LifecycleState.PENDING
PROCESSING = LifecycleState.PROCESSING
READY = LifecycleState.READY
FAILED = LifecycleState.FAILED


def state_after_apply(
    current: LifecycleState | None, wants_processing: bool, provisioned: bool
) -> LifecycleState:
    """The state a resource takes when it is applied.

    A new or changed resource that asks for processing goes to ``pending``; one already
    ``processing`` stays there and its change is handled right after the running event.
    ``draft`` stores without processing and is refused for a provisioned resource, which
    exists in the real world and cannot be un-submitted.
    """
    if not wants_processing:
        if current in (None, DRAFT) or (current is PENDING and not provisioned):
            return DRAFT
        raise ConflictError(
            f"A {current} resource cannot go back to draft; apply it without lifecycle_state or delete it.",
            field="lifecycle_state",
        )
    if current is PROCESSING:
        return PROCESSING
    return PENDING


def state_after_delete(current: LifecycleState) -> LifecycleState:
    """The state of a provisioned resource whose deletion was requested."""
    return PROCESSING if current is PROCESSING else PENDING


def state_after_lease(current: LifecycleState) -> LifecycleState:
    """A worker took the resource's event: it is being created, updated or deleted."""
    if current not in (PENDING, PROCESSING, READY, FAILED):
        raise ConflictError(f"A {current} resource cannot be dispatched.")
    return PROCESSING


def state_after_success() -> LifecycleState:
    """The provider finished and nothing changed meanwhile."""
    return READY


def state_after_follow_up() -> LifecycleState:
    """The provider finished, but the resource changed meanwhile: one more event follows."""
    return PENDING


def state_after_dependency_change() -> LifecycleState:
    """A value this ready resource took from a dependency changed: it needs an ``UPDATE``."""
    return PENDING


def state_after_retryable_failure() -> LifecycleState:
    """An attempt failed and another will follow after a backoff."""
    return PENDING


def state_after_failure() -> LifecycleState:
    """The event failed for good (permanent error or retries exhausted)."""
    return FAILED


def state_after_retry(current: LifecycleState) -> LifecycleState:
    """A dead letter of the resource was retried: process it again."""
    return PROCESSING if current is PROCESSING else PENDING
