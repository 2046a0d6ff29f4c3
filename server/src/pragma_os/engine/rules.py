"""The lifecycle's transition table: for each cause, the states it may start from, the state
it leads to and what follows. Pure data; ``engine/transitions.py`` enforces and writes it.

States: draft → pending → processing → ready | failed; ready → pending on a change or a
delete; failed → pending on re-apply or retry. A resource whose event is leased is
``processing``, so every worker result starts from ``processing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pragma_os.errors import ConflictError
from pragma_sdk.models import LifecycleState

DRAFT = LifecycleState.DRAFT
PENDING = LifecycleState.PENDING
PROCESSING = LifecycleState.PROCESSING
READY = LifecycleState.READY
FAILED = LifecycleState.FAILED

NEW = None
"""In place of a state: the resource does not exist yet."""

State = LifecycleState | None


class Cause(StrEnum):
    """Why a resource's lifecycle moves."""

    APPLY = "apply"
    APPLY_DRAFT = "apply_draft"
    DELETE = "delete"
    LEASE = "lease"
    WAIT = "wait"
    SUCCESS = "success"
    FOLLOW_UP = "follow_up"
    DEPENDENCY_CHANGE = "dependency_change"
    RETRYABLE_FAILURE = "retryable_failure"
    FAILURE = "failure"
    UNRESOLVABLE = "unresolvable"
    DEAD_LETTER_RETRY = "dead_letter_retry"
    REMOVE = "remove"


class Follow(StrEnum):
    """What a transition does besides setting the state."""

    QUEUE_EVENT = "queue the event (or refresh the queued one), set waiting_on"
    LEAVE_LEASED_EVENT = "leave a leased event alone: its completion queues the follow-up"
    DROP_EVENT = "drop the event"
    LEASE_EVENT = "hand the event to a worker, clear waiting_on"
    HOLD_EVENT = "put the event back in the queue, blocked; set waiting_on"
    REQUEUE_EVENT = "turn the finished event into the next one, due now; set waiting_on"
    RETRY_EVENT = "put the event back in the queue after a backoff"
    DEAD_LETTER = "write a dead letter"
    RECHECK_DEPENDENTS = "unblock dependents, so their waiting_on names it"
    PROPAGATE = "unblock dependents; ready ones whose inputs changed get an UPDATE"
    DISCARD_DEAD_LETTERS = "discard the resource's dead letters"
    UNBLOCK_WAITERS = "owners and dependencies waiting for it to go may proceed"


@dataclass(frozen=True)
class Rule:
    """One row of the table. ``to`` None with ``keeps_state``: the state stays; ``to`` None
    otherwise: the row goes away."""

    cause: Cause
    sources: frozenset[State]
    to: LifecycleState | None
    follows: tuple[Follow, ...]
    why: str
    keeps_state: bool = False
    stays_processing: bool = False
    """From ``processing`` the state stays: the running event finishes first."""
    unprovisioned_only: frozenset[State] = frozenset()
    """Sources allowed only for a resource never provisioned."""
    refusal: str = "A {current} resource cannot take the transition '{cause}'."


_ANY: frozenset[State] = frozenset({DRAFT, PENDING, PROCESSING, READY, FAILED})
_DISPATCHABLE: frozenset[State] = frozenset({PENDING, PROCESSING, READY, FAILED})

RULES: dict[Cause, Rule] = {
    rule.cause: rule
    for rule in (
        Rule(
            Cause.APPLY,
            frozenset({NEW, DRAFT, PENDING, PROCESSING, READY, FAILED}),
            PENDING,
            (
                Follow.QUEUE_EVENT,
                Follow.LEAVE_LEASED_EVENT,
                Follow.RECHECK_DEPENDENTS,
                Follow.DISCARD_DEAD_LETTERS,
            ),
            "A new or changed resource is processed; one in a worker's hands gets the change "
            "right after the running event, with the newest config (versions in between coalesce).",
            stays_processing=True,
        ),
        Rule(
            Cause.APPLY_DRAFT,
            frozenset({NEW, DRAFT, PENDING}),
            DRAFT,
            (Follow.DROP_EVENT,),
            "Stored without processing. A provisioned resource exists in the real world and cannot "
            "be un-submitted; its queued event would otherwise be leased for a draft.",
            unprovisioned_only=frozenset({PENDING}),
            refusal=(
                "A {current} resource cannot go back to draft; apply it without lifecycle_state or delete it."
            ),
        ),
        Rule(
            Cause.DELETE,
            _ANY,
            PENDING,
            (Follow.QUEUE_EVENT, Follow.LEAVE_LEASED_EVENT),
            "A provisioned resource waits for what it owns and what depends on it, then gets a "
            "DELETE; one in a worker's hands is deleted right after the running event.",
            stays_processing=True,
        ),
        Rule(
            Cause.LEASE,
            _DISPATCHABLE,
            PROCESSING,
            (Follow.LEASE_EVENT,),
            "A worker took the event. A draft is never dispatched.",
            refusal="A {current} resource cannot be dispatched.",
        ),
        Rule(
            Cause.WAIT,
            _ANY,
            None,
            (Follow.HOLD_EVENT,),
            "Found at lease time to wait on a dependency (or, being deleted, on what it owns or "
            "what depends on it): it is not dispatched and says on what it waits.",
            keeps_state=True,
        ),
        Rule(
            Cause.SUCCESS,
            frozenset({PROCESSING}),
            READY,
            (Follow.DROP_EVENT, Follow.PROPAGATE),
            "The provider finished and nothing changed meanwhile.",
        ),
        Rule(
            Cause.FOLLOW_UP,
            frozenset({PROCESSING}),
            PENDING,
            (Follow.REQUEUE_EVENT, Follow.PROPAGATE),
            "The provider finished, but the config, a delete or a dependency's value changed "
            "meanwhile: one more event follows, so no change is lost.",
        ),
        Rule(
            Cause.DEPENDENCY_CHANGE,
            frozenset({READY}),
            PENDING,
            (Follow.QUEUE_EVENT, Follow.RECHECK_DEPENDENTS),
            "A value this ready resource took from a dependency changed: it needs an UPDATE.",
        ),
        Rule(
            Cause.RETRYABLE_FAILURE,
            frozenset({PROCESSING}),
            PENDING,
            (Follow.RETRY_EVENT,),
            "An attempt failed (or its lease expired) with retries left: another follows after "
            "a backoff. A create or update superseded meanwhile (a new config, or a delete of a "
            "provisioned resource) follows at once however it failed, so the change or the "
            "DELETE is never lost behind a failure of what it replaced.",
        ),
        Rule(
            Cause.FAILURE,
            frozenset({PROCESSING}),
            FAILED,
            (Follow.DEAD_LETTER, Follow.DROP_EVENT, Follow.RECHECK_DEPENDENTS),
            "A permanent error, or retries exhausted (a lease expiring counts as an attempt).",
        ),
        Rule(
            Cause.UNRESOLVABLE,
            _DISPATCHABLE,
            FAILED,
            (Follow.DEAD_LETTER, Follow.DROP_EVENT, Follow.RECHECK_DEPENDENTS),
            "At lease time a reference names a field that does not exist, or a secret sealed "
            "with another key: retrying cannot help until the config or the secret changes.",
        ),
        Rule(
            Cause.DEAD_LETTER_RETRY,
            _ANY,
            PENDING,
            (Follow.QUEUE_EVENT, Follow.LEAVE_LEASED_EVENT),
            "A dead letter was retried: the event is queued again under its id, retries afresh.",
            stays_processing=True,
        ),
        Rule(
            Cause.REMOVE,
            _ANY,
            None,
            (Follow.DROP_EVENT, Follow.UNBLOCK_WAITERS),
            "The provider's DELETE succeeded, or nothing was ever created for a resource being "
            "deleted: the row goes.",
        ),
    )
}


class IllegalTransitionError(ConflictError):
    """A cause that the table does not allow from the resource's current state."""

    def __init__(self, message: str, *, cause: Cause, current: State, field: str | None = None) -> None:
        if field is None:
            super().__init__(message)
        else:
            super().__init__(message, field=field)
        self.cause = cause
        self.current = current


def next_state(cause: Cause, current: State, *, provisioned: bool = False) -> LifecycleState | None:
    """The state ``cause`` leads to from ``current`` (None: the row goes away).

    Raises:
        IllegalTransitionError: The table does not allow ``cause`` from ``current``.
    """
    rule = RULES[cause]
    current = LifecycleState(current) if current is not None else None
    if current not in rule.sources or (provisioned and current in rule.unprovisioned_only):
        field = "lifecycle_state" if cause is Cause.APPLY_DRAFT else None
        raise IllegalTransitionError(
            rule.refusal.format(current=current, cause=cause.value), cause=cause, current=current, field=field
        )
    if rule.keeps_state:
        return current
    if rule.stays_processing and current is PROCESSING:
        return PROCESSING
    return rule.to
