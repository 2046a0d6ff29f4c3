"""What ``logs()`` answers of a resource's log lines, given the query's ``since`` and ``tail``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pragma_sdk.types import LogEntry


def select_logs(entries: Iterable[LogEntry], since: datetime | None, tail: int) -> list[LogEntry]:
    """Pick the lines a ``logs(since, tail)`` query asks for, oldest first.

    Args:
        entries: All the resource's log lines, oldest first.
        since: Only return logs at or after this timestamp.
        tail: Maximum number of log lines, the newest ones.

    Returns:
        The lines at or after ``since``, at most the ``tail`` newest of them.
    """
    kept = [entry for entry in entries if since is None or entry.timestamp >= since]
    return kept[-tail:] if tail > 0 else []
