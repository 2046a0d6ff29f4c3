"""Wakeups for long-polling workers: who has new work, signalled after a commit (this
process's, or another replica's as its announcement arrives: ``daemons/replica_relay.py``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Iterable

Key = tuple[str, str]  # (organization id, provider)
# In place of an organization id: a waiter for the provider's work in every organization.
ANY_ORGANIZATION = "*"


class Wakeups:
    """In-process signals, one per (organization, provider); a notify wakes every waiter."""

    def __init__(self) -> None:
        self._events: dict[Key, asyncio.Event] = {}

    def notify(self, keys: Iterable[Key]) -> None:
        """Wake whoever waits for work of these providers."""
        for organization_id, provider in set(keys):
            for key in ((organization_id, provider), (ANY_ORGANIZATION, provider)):
                event = self._events.pop(key, None)
                if event is not None:
                    event.set()

    def signal(self, key: Key) -> asyncio.Event:
        """An event the next ``notify`` of ``key`` sets, for who checks now and then instead of waiting."""
        return self._events.setdefault(key, asyncio.Event())

    def signals(self, keys: Iterable[Key]) -> list[asyncio.Event]:
        """The events the next ``notify`` of each key sets.

        Taken before looking for work and waited on after (``wait_any``), they cannot miss a
        notify that comes in between, which a ``wait`` started after looking would.
        """
        return [self.signal(key) for key in keys]

    def notify_all(self) -> None:
        """Wake every waiter."""
        self.notify(list(self._events))

    async def wait(self, keys: Iterable[Key], seconds: float) -> None:
        """Return when one of ``keys`` is notified, or after ``seconds``."""
        await self.wait_any(self.signals(keys), seconds)

    @staticmethod
    async def wait_any(
        signals: Iterable[asyncio.Event], seconds: float, *, also: Iterable[Awaitable[object]] = ()
    ) -> None:
        """Return when one of ``signals`` is set (at once if one is already), one of ``also``
        is done, or after ``seconds``."""
        tasks: list[asyncio.Future[object]] = [asyncio.ensure_future(event.wait()) for event in signals]
        tasks += [asyncio.ensure_future(awaitable) for awaitable in also]
        try:
            await asyncio.wait(tasks, timeout=max(seconds, 0), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


class Touched(set[Key]):
    """Collects the (organization, provider) pairs a transaction gave new work, to notify after
    commit here and to announce with the commit to other replicas (``Database.transaction(wakes=...)``)."""
