"""Wakeups for long-polling workers: who has new work, signalled after a commit (this
process's, or another replica's as its announcement arrives: ``daemons/replica_relay.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

Key = tuple[str, str]  # (organization id, provider)
# In place of an organization id: a waiter for the provider's work in every organization.
ANY_ORGANIZATION = "*"


class Signal:
    """Set once, by the next notify of its key; a new one is handed out after that."""

    __slots__ = ("_future",)

    def __init__(self) -> None:
        self._future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def is_set(self) -> bool:
        """Whether it has been set."""
        return self._future.done()

    def set(self) -> None:
        """Set it, waking who waits."""
        if not self._future.done():
            self._future.set_result(None)

    def add_done_callback(self, callback: Callable[[Any], object]) -> None:
        """Call ``callback`` once it is set (at once, in the next loop turn, if it is)."""
        self._future.add_done_callback(callback)

    def remove_done_callback(self, callback: Callable[[Any], object]) -> None:
        """Stop calling ``callback``."""
        self._future.remove_done_callback(callback)


class Wakeups:
    """In-process signals, one per (organization, provider); a notify wakes every waiter."""

    def __init__(self) -> None:
        self._events: dict[Key, Signal] = {}

    def notify(self, keys: Iterable[Key]) -> None:
        """Wake whoever waits for work of these providers."""
        for organization_id, provider in set(keys):
            for key in ((organization_id, provider), (ANY_ORGANIZATION, provider)):
                event = self._events.pop(key, None)
                if event is not None:
                    event.set()

    def signal(self, key: Key) -> Signal:
        """The signal the next ``notify`` of ``key`` sets, for who checks now and then instead of waiting."""
        signal = self._events.get(key)
        if signal is None:
            signal = self._events[key] = Signal()
        return signal

    def signals(self, keys: Iterable[Key]) -> list[Signal]:
        """The signals the next ``notify`` of each key sets.

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
        signals: Iterable[Signal], seconds: float, *, also: Iterable[asyncio.Future[Any]] = ()
    ) -> None:
        """Return when one of ``signals`` is set (at once if one is already), one of ``also``
        is done (``also`` is only watched, never cancelled), or after ``seconds``.

        One future woken by callbacks, not a task per signal: the waiter resumes in the loop
        turn after the wake-up (a hand-off's lease goes out then), and nothing is left to
        cancel and wait for afterwards.
        """
        watched: list[Signal | asyncio.Future[Any]] = [*signals, *also]
        if seconds <= 0 or any(
            item.is_set() if isinstance(item, Signal) else item.done() for item in watched
        ):
            return
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake(_done: object = None) -> None:
            if not woken.done():
                woken.set_result(None)

        for item in watched:
            item.add_done_callback(wake)
        timer = asyncio.get_running_loop().call_later(seconds, wake)
        try:
            await woken
        finally:
            timer.cancel()
            for item in watched:
                item.remove_done_callback(wake)


class Touched(set[Key]):
    """Collects the (organization, provider) pairs a transaction gave new work, to notify after
    commit here and to announce with the commit to other replicas (``Database.transaction(wakes=...)``)."""
