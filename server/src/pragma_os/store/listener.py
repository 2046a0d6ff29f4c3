"""The one connection per replica that ``LISTEN``s for the other replicas' announcements.

A raw asyncpg connection of its own, outside the SQLAlchemy pool: a pooled connection would
be handed to requests and reset, and its notifications would go with it. What it hears is
decoded (``store/notifications.py``) and passed to ``heard``; its own replica's
notifications are skipped by the sender token.

Notifications reach only a listening session: whatever was sent while the connection was
down is lost. So the listener reconnects with backoff, and each time it is listening again
(the first time included) it calls ``reconnected``, whose job is to have every waiter look
at the database once, which finds whatever those lost notifications announced. A
connection that died without closing (a network partition) is found by a query every
``check_seconds``; until then, the waiters' own slow re-checks are the safety net.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from pragma_os.store.notifications import CHANNEL, Announcement, decode
from pragma_os.tasks import cancel_and_wait

logger = logging.getLogger("pragma_os.store")

APPLICATION_NAME = "pragma-os listener"
"""How the listening connections show in ``pg_stat_activity``."""
_FIRST_BACKOFF_SECONDS = 0.1
_MAX_BACKOFF_SECONDS = 5.0


def asyncpg_dsn(url: str) -> str:
    """The asyncpg form of a SQLAlchemy ``postgresql+asyncpg://`` URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """Listens on ``CHANNEL`` for as long as it runs, reconnecting when the connection breaks."""

    def __init__(
        self,
        url: str,
        sender: str,
        heard: Callable[[Announcement], None],
        reconnected: Callable[[], None],
        *,
        check_seconds: float = 5.0,
    ) -> None:
        self._dsn = asyncpg_dsn(url)
        self._own_prefix = f"{sender} "
        self._heard = heard
        self._reconnected = reconnected
        self._check_seconds = check_seconds
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.connections = 0
        """How many times it started listening (1 + reconnections)."""

    async def start(self, wait_seconds: float = 10.0) -> None:
        """Start listening in the background; returns once listening, or after ``wait_seconds``."""
        self._task = asyncio.create_task(self._run())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), wait_seconds)
        if not self._listening.is_set():
            logger.warning("Not listening for other replicas yet; still trying in the background")

    async def close(self) -> None:
        """Stop listening."""
        if self._task is not None:
            await cancel_and_wait(self._task)

    async def _run(self) -> None:
        backoff = _FIRST_BACKOFF_SECONDS
        while True:
            try:
                await self._listen()
            except Exception as error:  # whatever broke it, listen again
                if self._listening.is_set():
                    self._listening.clear()
                    backoff = _FIRST_BACKOFF_SECONDS  # it had worked: start the backoff over
                logger.warning(
                    "Listening for other replicas failed (%s: %s); reconnecting in %.1f s",
                    type(error).__name__,
                    error,
                    backoff,
                )
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)

    async def _listen(self) -> None:
        connection: asyncpg.Connection = await asyncio.wait_for(
            asyncpg.connect(self._dsn, server_settings={"application_name": APPLICATION_NAME}),
            self._check_seconds,
        )
        closed = asyncio.Event()
        connection.add_termination_listener(lambda _connection: closed.set())
        try:
            await connection.add_listener(CHANNEL, self._on_notification)
            self.connections += 1
            if self.connections > 1:
                logger.warning("Listening for other replicas again; every waiter looks again")
            self._listening.set()
            self._reconnected()
            while not closed.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(closed.wait(), self._check_seconds)
                if not closed.is_set():
                    await asyncio.wait_for(connection.fetchval("SELECT 1"), self._check_seconds)
            raise OSError("the connection closed")
        finally:
            connection.terminate()

    def _on_notification(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload.startswith(self._own_prefix):
            return
        decoded = decode(payload)
        if decoded is None:
            logger.warning("Ignoring a notification this version cannot read: %.200s", payload)
            return
        try:
            self._heard(decoded[1])
        except Exception:
            logger.exception("Handling another replica's notification failed")
