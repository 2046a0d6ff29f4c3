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
