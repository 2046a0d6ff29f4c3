"""Retry policy: exponential backoff with jitter, and when to give up."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` deliveries in all; the wait doubles from ``base_seconds`` up to ``max_seconds``."""

    max_attempts: int = 5
    base_seconds: float = 1.0
    max_seconds: float = 60.0

    def exhausted(self, attempts: int) -> bool:
        """Whether ``attempts`` deliveries used up the budget."""
        return attempts >= self.max_attempts

    def delay(self, attempts: int) -> float:
        """Seconds to wait before delivery ``attempts + 1``: half fixed, half random (equal jitter)."""
        ceiling = min(self.max_seconds, self.base_seconds * 2.0 ** max(attempts - 1, 0))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def retry_status(attempt: int, policy: RetryPolicy, due: datetime | None) -> dict[str, Any]:
    """The document's ``retry``: delivery ``attempt`` of the policy's, due at ``due`` (None: running)."""
    return {
        "attempt": attempt,
        "max_attempts": policy.max_attempts,
        "next_attempt_at": due.isoformat() if due is not None else None,
    }
