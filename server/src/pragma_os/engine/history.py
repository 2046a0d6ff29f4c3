"""Writing the history of resources: the transitions a transaction logged
(``engine/transition_log.py``) become rows of ``resource_history``, in one statement, last
in the same transaction.

A transition that keeps the state (a resource found waiting at lease time) is not history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine.history_diff import diff
from pragma_os.engine.rules import Cause
from pragma_os.engine.transition_log import Transition, actor_of, log_of
from pragma_os.store.history import insert_history
from pragma_os.store.types import Row, utcnow

_REQUESTED = frozenset({Cause.APPLY, Cause.APPLY_DRAFT, Cause.DELETE, Cause.DEAD_LETTER_RETRY, Cause.REMOVE})
"""Causes a caller asks for: their actor is who the transaction acts for."""
_NOT_HISTORY = frozenset({Cause.WAIT})


async def write_history(connection: AsyncConnection) -> None:
    """Record the transaction's transitions in the history of their resources."""
    log = log_of(connection)
    if not log:
        return
    now = utcnow()
    rows = [_row(connection, transition, now) for transition in log if transition.cause not in _NOT_HISTORY]
    await insert_history(connection, rows)


def _row(connection: AsyncConnection, transition: Transition, now: datetime) -> Row:
    detail = transition.detail
    actor = detail.actor
    if actor is None and transition.cause in _REQUESTED:
        actor = actor_of(connection, transition.resource_id)
    changes: dict[str, object] = {}
    if detail.config_changed:
        changes["config"] = diff(detail.config_before, detail.config_after)
    if detail.outputs_changed:
        changes["outputs"] = diff(detail.outputs_before, detail.outputs_after)
    duration = None
    if detail.leased_at is not None and transition.cause is not Cause.LEASE:
        duration = max(0, round((now - detail.leased_at).total_seconds() * 1000))
    return {
        "organization_id": transition.organization_id,
        "resource_id": transition.resource_id,
        "at": now,
        "cause": transition.cause.value,
        "actor": actor,
        "caused_by": detail.caused_by,
        "from_state": transition.source.value if transition.source is not None else None,
        "to_state": transition.target.value if transition.target is not None else None,
        "generation": transition.generation,
        "event_id": transition.event_id,
        "attempt": detail.attempt,
        "duration_ms": duration,
        "error": detail.error,
        "error_traceback": detail.traceback,
        "changes": changes or None,
    }
