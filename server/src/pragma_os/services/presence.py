"""Which workers are polling: a deployment is healthy once its workers lease, and a provider
query is worth asking only while some worker of the provider polls, on any replica."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

from pragma_os.store import Database
from pragma_os.store import presence as store
from pragma_os.store.types import utcnow

# A worker counts as present for its poll's wait and this long after, to come back with the
# next poll (a worker busy in all its slots does not poll: it cannot take a query either).
PRESENCE_GRACE_SECONDS = 10.0
# The shared record of a worker is renewed at most this often.
_RENEW_SECONDS = 1.0
# ``connected`` trusts a "no" this long (a poll through this replica forgets it at once).
_ABSENT_SECONDS = 1.0
_ABSENT_ENTRIES = 10_000


class WorkerPresence:
    """When each worker id last asked for work, in this process; and, in the database, which
    providers have a worker polling some replica."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._seen: dict[str, float] = {}
        self._renewed: dict[tuple[str, str, tuple[str, ...]], tuple[float, float]] = {}
        self._absent: dict[tuple[str, str], float] = {}
        # Until when a poll through this replica vouches for a provider's worker.
        self._polled_here: dict[tuple[str, str], float] = {}
        # When a worker of each provider last polled this replica (for metrics).
        self._last_poll: dict[str, float] = {}

    def mark(self, worker_id: str) -> None:
        """The worker polled just now."""
        self._seen[worker_id] = time.monotonic()

    def seen_since(self, worker_id: str, since: float) -> bool:
        """Whether the worker polled at or after ``since`` (a ``time.monotonic()`` reading)."""
        return self._seen.get(worker_id, -1.0) >= since

    async def polling(
        self, organization_id: str, providers: Sequence[str], worker_id: str, wait_seconds: float
    ) -> None:
        """The worker starts a poll of up to ``wait_seconds``: record it for every replica to see
        (at most once a second per worker, unless this poll would outlast the last record)."""
        now = time.monotonic()
        for provider in providers:
            self._absent.pop((organization_id, provider), None)
            self._polled_here[(organization_id, provider)] = now + wait_seconds + PRESENCE_GRACE_SECONDS
            self._last_poll[provider] = now
        key = (organization_id, worker_id, tuple(providers))
        renewed_at, lasts_until = self._renewed.get(key, (float("-inf"), float("-inf")))
        if now - renewed_at < _RENEW_SECONDS and now + wait_seconds <= lasts_until:
            return
        self._renewed[key] = (now, now + wait_seconds + PRESENCE_GRACE_SECONDS)
        expires_at = utcnow() + timedelta(seconds=wait_seconds + PRESENCE_GRACE_SECONDS)
        async with self._database.transaction() as connection:
            await store.renew(connection, organization_id, providers, worker_id, expires_at)

    def last_polls(self) -> dict[str, float]:
        """Seconds since a worker of each provider last polled this replica."""
        now = time.monotonic()
        return {provider: now - polled for provider, polled in self._last_poll.items()}

    async def any_polling(self, organization_id: str, provider: str) -> bool:
        """Whether some worker of the provider polls any replica now (or did a moment ago)."""
        async with self._database.reading() as connection:
            return await store.any_present(connection, organization_id, provider, utcnow())

    async def connected(self, organization_id: str, provider: str) -> bool:
        """``any_polling``, answered without a query while a poll through this replica vouches
        for a worker, and remembering a "no" for a second so that frequent askers (applies and
        reads of a worker-less provider's resources) cost no query each; a poll through this
        replica forgets it at once, one through another replica within that second."""
        key, now = (organization_id, provider), time.monotonic()
        if self._polled_here.get(key, 0.0) > now:
            return True
        if self._absent.get(key, 0.0) > now:
            return False
        if await self.any_polling(organization_id, provider):
            return True
        if len(self._absent) >= _ABSENT_ENTRIES:
            self._absent = {key: until for key, until in self._absent.items() if until > now}
        self._absent[key] = now + _ABSENT_SECONDS
        return False

    async def prune(self, retention_seconds: float) -> None:
        """Forget the records of workers gone for longer than ``retention_seconds``."""
        stale = time.monotonic() - retention_seconds
        self._renewed = {key: times for key, times in self._renewed.items() if times[1] >= stale}
        self._polled_here = {key: until for key, until in self._polled_here.items() if until >= stale}
        async with self._database.transaction() as connection:
            await store.prune(connection, utcnow() - timedelta(seconds=retention_seconds))
