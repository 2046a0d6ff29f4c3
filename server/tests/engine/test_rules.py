"""The transition table: what each cause may start from, and what it refuses."""

from __future__ import annotations

import pytest

from pragma_os.engine.rules import RULES, Cause, IllegalTransitionError, next_state
from pragma_os.errors import ConflictError
from pragma_sdk.models import LifecycleState as State


def test_every_cause_has_one_rule() -> None:
    assert set(RULES) == set(Cause)


@pytest.mark.parametrize(
    ("cause", "current", "expected"),
    [
        (Cause.APPLY, None, State.PENDING),
        (Cause.APPLY, State.READY, State.PENDING),
        (Cause.APPLY, State.PROCESSING, State.PROCESSING),
        (Cause.APPLY_DRAFT, None, State.DRAFT),
        (Cause.DELETE, State.PROCESSING, State.PROCESSING),
        (Cause.DELETE, State.READY, State.PENDING),
        (Cause.LEASE, State.PENDING, State.PROCESSING),
        (Cause.WAIT, State.PENDING, State.PENDING),
        (Cause.SUCCESS, State.PROCESSING, State.READY),
        (Cause.FOLLOW_UP, State.PROCESSING, State.PENDING),
        (Cause.DEPENDENCY_CHANGE, State.READY, State.PENDING),
        (Cause.RETRYABLE_FAILURE, State.PROCESSING, State.PENDING),
        (Cause.FAILURE, State.PROCESSING, State.FAILED),
        (Cause.DEAD_LETTER_RETRY, State.FAILED, State.PENDING),
        (Cause.REMOVE, State.READY, None),
    ],
)
def test_allowed_transitions(cause: Cause, current: State | None, expected: State | None) -> None:
    assert next_state(cause, current) == expected


@pytest.mark.parametrize(
    ("cause", "current"),
    [
        (Cause.LEASE, State.DRAFT),
        (Cause.SUCCESS, State.READY),
        (Cause.FAILURE, State.PENDING),
        (Cause.RETRYABLE_FAILURE, State.FAILED),
        (Cause.DEPENDENCY_CHANGE, State.PENDING),
        (Cause.APPLY_DRAFT, State.READY),
    ],
)
def test_refused_transitions(cause: Cause, current: State) -> None:
    with pytest.raises(IllegalTransitionError) as refused:
        next_state(cause, current)
    assert isinstance(refused.value, ConflictError)  # a 409 if it ever reaches the API
    assert (refused.value.cause, refused.value.current) == (cause, current)


def test_a_provisioned_resource_cannot_go_back_to_draft() -> None:
    assert next_state(Cause.APPLY_DRAFT, State.PENDING, provisioned=False) is State.DRAFT
    with pytest.raises(IllegalTransitionError) as refused:
        next_state(Cause.APPLY_DRAFT, State.PENDING, provisioned=True)
    assert refused.value.detail == {
        "message": (
            "A pending resource cannot go back to draft; apply it without lifecycle_state or delete it."
        ),
        "field": "lifecycle_state",
    }
