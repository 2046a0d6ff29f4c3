"""Stopping the server's background tasks."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` and return once it has stopped."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
