"""The engine's metrics, observed from what each committed transaction recorded
(``engine/transition_log.py``): leases, handlers' results and lifecycle transitions.

Runs as ``Database.after_commit``, so a transaction rolled back (or retried) counts once, when
it commits. The work per transition is a dict lookup and, for the few causes metrics care
about, a counter increment or a dict write: the apply-to-ready path must not slow down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from pragma_os.engine.rules import Cause
from pragma_os.engine.transition_log import Leased, Outcome, Transition
from pragma_os.observability.metrics import (
    deletion_seconds,
    queue_wait_seconds,
    reconcile_seconds,
    reconciles,
    retries,
    time_to_ready_seconds,
)

logger = logging.getLogger("pragma_os.metrics")

# Starts (leases, applies, deletes) whose end another replica may see are forgotten past
# this many, oldest first, so that the maps stay bounded.
_MAX_STARTS = 100_000


class _Starts:
    """When each thing began (``time.monotonic()``), until its end is observed."""

    def __init__(self) -> None:
        self._began: dict[Any, float] = {}

    def begin(self, key: Any, now: float) -> None:
        """``key`` began at ``now``, unless it began earlier and has not ended."""
        if key not in self._began:
            if len(self._began) >= _MAX_STARTS:
                del self._began[next(iter(self._began))]
            self._began[key] = now

    def end(self, key: Any, now: float) -> float | None:
        """How long ago ``key`` began (``None``: not seen here)."""
        began = self._began.pop(key, None)
        return None if began is None else now - began

    def forget(self, key: Any) -> None:
        """``key`` ended in a way that is not measured."""
        self._began.pop(key, None)


class EngineMetrics:
    """Observes committed transactions into the engine's metrics (one per process)."""

    def __init__(self) -> None:
        self._leased = _Starts()
        self._applied = _Starts()
        self._deleted = _Starts()
        self._by_cause: dict[Cause, Callable[[Transition, float], None]] = {
            Cause.APPLY: self._apply,
            Cause.DELETE: self._delete,
            Cause.SUCCESS: self._ready,
            Cause.RETRYABLE_FAILURE: self._retry,
            Cause.FAILURE: self._failed,
            Cause.UNRESOLVABLE: self._failed,
            Cause.REMOVE: self._removed,
        }

    def committed(self, notes: dict[str, Any]) -> None:
        """Observe what a committed transaction recorded (``Database.after_commit``)."""
        try:
            self._observe(notes)
        except Exception:
            # A metric must never fail a request whose transaction already committed.
            logger.exception("Could not observe a committed transaction's metrics")

    def _observe(self, notes: dict[str, Any]) -> None:
        now = time.monotonic()
        # Ends before starts: a transaction that takes a failed result may lease the retry,
        # under the same event id, again (``complete`` with ``lease``).
        outcomes: list[Outcome] = notes.get("outcomes", ())
        for outcome in outcomes:
            reconciles(outcome.provider, outcome.resource, outcome.event_type, outcome.result).inc()
            took = self._leased.end(outcome.event_id, now)
            if took is not None:
                reconcile_seconds(outcome.provider, outcome.resource, outcome.event_type).observe(took)
        transitions: list[Transition] = notes.get("transitions", ())
        for transition in transitions:
            observe = self._by_cause.get(transition.cause)
            if observe is not None:
                observe(transition, now)
        leases: list[Leased] = notes.get("leases", ())
        for lease in leases:
            queue_wait_seconds(lease.provider).observe(max(lease.waited, 0.0))
            self._leased.begin(lease.event_id, now)

    def _apply(self, transition: Transition, now: float) -> None:
        self._applied.begin((transition.organization_id, transition.resource_id), now)

    def _delete(self, transition: Transition, now: float) -> None:
        key = (transition.organization_id, transition.resource_id)
        self._applied.forget(key)
        self._deleted.begin(key, now)

    def _ready(self, transition: Transition, now: float) -> None:
        took = self._applied.end((transition.organization_id, transition.resource_id), now)
        if took is not None:
            time_to_ready_seconds(transition.provider, transition.resource).observe(took)

    def _retry(self, transition: Transition, now: float) -> None:
        retries(transition.provider).inc()
        # A lease that expired ends here (a handler's failure already ended it).
        self._leased.forget(transition.event_id)

    def _failed(self, transition: Transition, now: float) -> None:
        self._leased.forget(transition.event_id)
        self._applied.forget((transition.organization_id, transition.resource_id))

    def _removed(self, transition: Transition, now: float) -> None:
        key = (transition.organization_id, transition.resource_id)
        self._applied.forget(key)
        took = self._deleted.end(key, now)
        if took is not None:
            deletion_seconds(transition.provider, transition.resource).observe(took)
