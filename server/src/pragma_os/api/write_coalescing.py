"""Writes a response makes in one turn of the event loop, sent in one system call.

uvicorn writes a response's head and its body with a ``transport.write`` each, and each is a
``send`` on the socket; on the loopback of a small VM a send costs more than the rest of a
small response (measured: about a fifth less server CPU per idle apply with the two joined).
"""

from __future__ import annotations

import asyncio
from typing import Any


class CoalescingTransport:
    """A transport whose writes wait for the loop's next turn and then go out together.

    Everything but ``write`` and ``close`` is the wrapped transport's; ``close`` sends what
    waits first. Order is kept: one connection's writes share one instance.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        """Queue ``data``; the first write of a turn schedules the send."""
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        """Send what waits, in one write (dropped if the connection is closing)."""
        if self._pending:
            data = b"".join(self._pending)
            self._pending = []
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        """Send what waits, then close."""
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
