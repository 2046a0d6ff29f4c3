"""The rescuer: redelivers the events of workers that stopped heartbeating, and keeps the
tables that only grow (change feed, resource history, audit, provider queries, worker
presence) trimmed."""

from __future__ import annotations

import asyncio
import logging

from pragma_os.services.audit import prune_audit
from pragma_os.services.resource_history import prune_history
from pragma_os.services.watch import prune_change_feed
from pragma_os.services.workers import Dispatcher, recheck_blocked, rescue_expired
from pragma_os.settings import Settings

logger = logging.getLogger("pragma_os.engine")

_RECHECK_BLOCKED_SECONDS = 2.0
_PRUNE_SECONDS = 60.0
# Worker presence records and answered queries are kept this long after they expire.
_PRESENCE_AND_QUERY_RETENTION_SECONDS = 60.0


async def rescue_forever(dispatcher: Dispatcher, settings: Settings) -> None:
    """Redeliver events whose worker stopped heartbeating, on a shared database re-check
    waiting events now and then, and trim the change feed, old provider queries, worker
    presence records and the audit; keeps going through database hiccups."""
    shared_database = dispatcher.database.shared
    loop = asyncio.get_running_loop()
    last_recheck = last_prune = loop.time()
    while True:
        await asyncio.sleep(settings.rescue_interval_seconds)
        try:
            rescued = await rescue_expired(dispatcher)
            if shared_database and loop.time() - last_recheck >= _RECHECK_BLOCKED_SECONDS:
                last_recheck = loop.time()
                await recheck_blocked(dispatcher)
            if loop.time() - last_prune >= _PRUNE_SECONDS:
                last_prune = loop.time()
                await prune_change_feed(dispatcher.database, settings.change_feed_retention_seconds)
                await prune_history(dispatcher.database, settings.history_retention_days)
                await dispatcher.queries.prune(_PRESENCE_AND_QUERY_RETENTION_SECONDS)
                await dispatcher.presence.prune(_PRESENCE_AND_QUERY_RETENTION_SECONDS)
                await prune_audit(dispatcher.database, settings.audit_retention_days)
        except Exception:
            logger.exception("Rescuing expired leases failed; trying again")
            continue
        if rescued:
            logger.warning("Redelivering %d event(s) whose lease expired", rescued)
