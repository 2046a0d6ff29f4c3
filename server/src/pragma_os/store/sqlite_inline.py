"""aiosqlite, minus the thread hop: SQLite calls run inline on the event loop.

SQLite is a library in this process; a small statement takes microseconds, while handing it
to aiosqlite's worker thread and waking the loop again costs far more (measured: about a
quarter millisecond per statement on a 2-core VM). So statements run directly, and only
connect/close keep using aiosqlite's thread. The price: a statement that waits for the
file lock (another process writing) or a WAL checkpoint holds the loop for that long.
"""

from __future__ import annotations

import sqlite3
import types
from collections.abc import Callable
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose statements run in the calling (event loop) thread."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _connect(database: str, *, iter_chunk_size: int = 64, **kwargs: Any) -> InlineConnection:
    # The connection is opened on aiosqlite's thread and used on the loop's.
    kwargs["check_same_thread"] = False
    return InlineConnection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size)


def inline_dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module to hand ``create_async_engine(..., module=...)`` for inline SQLite."""
    shim = types.ModuleType("pragma_os_inline_aiosqlite")
    shim.__dict__.update(vars(aiosqlite))
    shim.connect = _connect  # type: ignore[attr-defined]
    shim.Connection = InlineConnection  # type: ignore[attr-defined]
    return AsyncAdapt_aiosqlite_dbapi(shim, sqlite3)
