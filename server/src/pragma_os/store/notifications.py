"""What a transaction tells the other replicas sharing its PostgreSQL database (``NOTIFY``).

A transaction announces what its commit changes for waiters elsewhere: new work for
(organization, provider) pairs, provider queries waiting for those pairs, queries answered,
a change feed that moved, or "look at everything again". The announcement is gathered on
the connection while the transaction runs and sent by ``Database.transaction`` as its last
statements, with ``pg_notify``: PostgreSQL delivers a notification when the transaction
commits, after its writes are visible, and drops it when it rolls back, so a replica never
hears of work it cannot see yet, nor of work that was never committed.

Every replica listens on a connection of its own (``store/listener.py``) and hears its own
notifications too; each payload starts with the sender's token so that it can skip those.
A payload stays under ``MAX_PAYLOAD_BYTES`` (PostgreSQL refuses 8000 and more); a larger
announcement is split over several. SQLite serves one process: nothing is sent there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

CHANNEL = "pragma_os"
MAX_PAYLOAD_BYTES = 7000
Key = tuple[str, str]  # (organization id, provider)

_QUEUE = "pragma_os.announcement"
# One statement for any number of payloads.
_NOTIFY = text("SELECT pg_notify(:channel, payload) FROM unnest(CAST(:payloads AS text[])) AS payload")


@dataclass
class Announcement:
    """What one commit means for waiters on other replicas."""

    work: set[Key] = field(default_factory=set)
    """(organization, provider) pairs with new work: their long polls should lease."""
    queries: set[Key] = field(default_factory=set)
    """Pairs whose provider has a query waiting: their long polls should take it."""
    answers: set[str] = field(default_factory=set)
    """Ids of provider queries answered: whoever asked should read the answer."""
    changes: bool = False
    """The change feed moved: watchers should read it."""
    everything: bool = False
    """Every waiter should look again (for example, blocked events were all unblocked)."""

    def __bool__(self) -> bool:
        return bool(self.work or self.queries or self.answers or self.changes or self.everything)


def begin(connection: AsyncConnection) -> None:
    """Start a transaction's announcement (a pooled connection may hold a failed one's)."""
    connection.info[_QUEUE] = Announcement()


def announce(
    connection: AsyncConnection,
    *,
    work: Iterable[Key] = (),
    queries: Iterable[Key] = (),
    answers: Iterable[str] = (),
    everything: bool = False,
) -> None:
    """Add to what the transaction announces when it commits."""
    pending: Announcement = connection.info.setdefault(_QUEUE, Announcement())
    pending.work.update(work)
    pending.queries.update(queries)
    pending.answers.update(answers)
    pending.everything = pending.everything or everything


def take(connection: AsyncConnection) -> Announcement:
    """The transaction's announcement, removed from the connection."""
    announcement: Announcement = connection.info.pop(_QUEUE, None) or Announcement()
    return announcement


async def send(connection: AsyncConnection, payloads: list[str]) -> None:
    """Queue ``payloads`` for delivery when the transaction commits."""
    if payloads:
        await connection.execute(_NOTIFY, {"channel": CHANNEL, "payloads": payloads})


def encode(sender: str, announcement: Announcement) -> list[str]:
    """``announcement`` as payloads of at most ``MAX_PAYLOAD_BYTES``: ``<sender> <json>`` each.

    The flags travel in the first payload; the pairs and ids are spread over as many as needed.
    """
    flags: dict[str, Any] = {}
    if announcement.changes:
        flags["c"] = 1
    if announcement.everything:
        flags["e"] = 1
    items: list[tuple[str, Any]] = [("w", list(key)) for key in sorted(announcement.work)]
    items += [("q", list(key)) for key in sorted(announcement.queries)]
    items += [("a", answer) for answer in sorted(announcement.answers)]
    prefix = f"{sender} "
    payloads: list[str] = []
    body: dict[str, Any] = flags
    size = len(prefix) + len(orjson.dumps(body))
    for tag, item in items:
        grows = len(orjson.dumps(item)) + 1 + (0 if tag in body else len(tag) + 5)
        if body and size + grows > MAX_PAYLOAD_BYTES:
            payloads.append(prefix + orjson.dumps(body).decode())
            body = {}
            size = len(prefix) + 2
            grows = len(orjson.dumps(item)) + len(tag) + 6
        body.setdefault(tag, []).append(item)
        size += grows
    if body or not payloads:
        payloads.append(prefix + orjson.dumps(body).decode())
    return payloads


def decode(payload: str) -> tuple[str, Announcement] | None:
    """The sender and announcement of a payload; ``None`` for one this version cannot read."""
    sender, _, raw = payload.partition(" ")
    try:
        body = orjson.loads(raw)
        return sender, Announcement(
            work={(str(key[0]), str(key[1])) for key in body.get("w", ())},
            queries={(str(key[0]), str(key[1])) for key in body.get("q", ())},
            answers={str(answer) for answer in body.get("a", ())},
            changes=bool(body.get("c")),
            everything=bool(body.get("e")),
        )
    except (orjson.JSONDecodeError, AttributeError, IndexError, TypeError):
        return None
