"""What this replica does with the other replicas' announcements (PostgreSQL LISTEN/NOTIFY).

Another replica's commit wakes the waiters here as this replica's own commits do: long polls
of the providers it gave work or queries to, askers whose answers it stored, watchers of the
change feed. When the listener connects again after losing its connection, announcements
made meanwhile are lost, so every waiter looks at the database once.
"""

from __future__ import annotations

from dataclasses import dataclass

from pragma_os.engine.wakeups import Wakeups
from pragma_os.services.provider_queries import QueryBroker
from pragma_os.store.database import CommitSignal
from pragma_os.store.listener import Listener
from pragma_os.store.notifications import Announcement


@dataclass(frozen=True)
class Relay:
    """Turns announcements into this process's wakeups."""

    wakeups: Wakeups
    commits: CommitSignal
    queries: QueryBroker

    def heard(self, announcement: Announcement) -> None:
        """Another replica committed what ``announcement`` says."""
        if announcement.everything:
            self.wakeups.notify_all()
        elif announcement.work:
            self.wakeups.notify(announcement.work)
        if announcement.queries:
            self.queries.heard_queries(announcement.queries)
        if announcement.answers:
            self.queries.heard_answers(announcement.answers)
        if announcement.changes or announcement.everything:
            self.commits.fire()

    def reconnected(self) -> None:
        """Listening (again): whatever was announced while not listening is found by looking."""
        self.wakeups.notify_all()
        self.queries.look_again()
        self.commits.fire()


async def listen(url: str, sender: str, relay: Relay) -> Listener:
    """Start listening for the other replicas sharing the database at ``url``."""
    listener = Listener(url, sender, relay.heard, relay.reconnected)
    await listener.start()
    return listener
