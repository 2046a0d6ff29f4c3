"""Which workers are polling: a deployment is healthy once its workers lease."""

from __future__ import annotations

import time


class WorkerPresence:
    """When each worker id last asked for work, in this process."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}

    def mark(self, worker_id: str) -> None:
        """The worker polled just now."""
        self._seen[worker_id] = time.monotonic()

    def seen_since(self, worker_id: str, since: float) -> bool:
        """Whether the worker polled at or after ``since`` (a ``time.monotonic()`` reading)."""
        return self._seen.get(worker_id, -1.0) >= since
