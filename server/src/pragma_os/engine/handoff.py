"""Hand-off: a write transaction that gives a provider work leases it, before it commits, to a
worker's long poll waiting here, so the event reaches the worker with the commit that made it.

Without it the commit only wakes the poll, which then reads what is due and leases it in a
transaction of its own: one more transaction, and the time for it, on every idle apply and
on every hop through a chain of dependents. The lease is the same (``leasing.lease``, the
engine's rules), only made in the transaction that created the work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine.wakeups import ANY_ORGANIZATION, Key, Touched
from pragma_os.store.database import Settle

Lease = Callable[[AsyncConnection, Touched], Awaitable[list[dict[str, Any]]]]
"""Leases what is due for one poll inside the given transaction; returns the payloads."""


@dataclass(eq=False)
class ParkedPoll:
    """A long poll waiting for work of ``keys``; ``lease`` leases for it."""

    keys: list[Key]
    lease: Lease
    handed: asyncio.Future[list[dict[str, Any]]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    # Set while a transaction has leased for this poll and not yet committed or rolled back.
    reserved: asyncio.Future[None] | None = None


class ParkedPolls:
    """The long polls of this process waiting for work, by (organization, provider)."""

    def __init__(self) -> None:
        self._by_key: dict[Key, list[ParkedPoll]] = {}

    def park(self, poll: ParkedPoll) -> None:
        """Make ``poll`` a candidate for hand-offs until ``leave``."""
        for key in poll.keys:
            self._by_key.setdefault(key, []).append(poll)

    async def leave(self, poll: ParkedPoll) -> list[dict[str, Any]]:
        """Stop handing work to ``poll``; returns what was handed to it (waiting for a
        transaction that leased for it to end: those leases are the poll's to answer)."""
        for key in poll.keys:
            waiting = self._by_key.get(key)
            if waiting is not None and poll in waiting:
                waiting.remove(poll)
                if not waiting:
                    del self._by_key[key]
        while poll.reserved is not None:
            await asyncio.shield(poll.reserved)
        return poll.handed.result() if poll.handed.done() else []

    async def hand_off(self, connection: AsyncConnection, wakes: Collection[Key]) -> Settle | None:
        """Lease, inside the transaction of ``connection``, the work it gave ``wakes`` to polls
        parked for it (one poll per key); returns what settles them once the transaction has
        committed (``True``: answer them) or failed (``False``: they wait on)."""
        leased: list[tuple[ParkedPoll, list[dict[str, Any]]]] = []
        touched = Touched()
        for organization_id, provider in list(wakes):
            poll = self._free_poll((organization_id, provider)) or self._free_poll(
                (ANY_ORGANIZATION, provider)
            )
            if poll is None:
                continue
            poll.reserved = asyncio.get_running_loop().create_future()
            try:
                payloads = await poll.lease(connection, touched)
            except BaseException:
                self._release([poll, *(parked for parked, _payloads in leased)])
                raise
            if payloads:
                leased.append((poll, payloads))
            else:
                self._release([poll])
        if isinstance(wakes, set):
            wakes.update(touched)  # what the leases gave back is announced with the commit

        if not leased:
            return None

        def settle(committed: bool) -> None:
            for poll, payloads in leased:
                if committed and not poll.handed.done():
                    poll.handed.set_result(payloads)
            self._release([poll for poll, _payloads in leased])

        return settle

    def _free_poll(self, key: Key) -> ParkedPoll | None:
        for poll in self._by_key.get(key, ()):
            if poll.reserved is None and not poll.handed.done():
                return poll
        return None

    @staticmethod
    def _release(polls: list[ParkedPoll]) -> None:
        for poll in polls:
            if poll.reserved is not None:
                poll.reserved.set_result(None)
                poll.reserved = None
