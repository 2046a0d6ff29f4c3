"""``create_app``: builds the FastAPI application around one ``Settings`` object."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import pragma_os
from pragma_os.api.errors import install_error_handlers
from pragma_os.api.limits import BodySizeLimit
from pragma_os.api.responses import FastJSONResponse
from pragma_os.api.routers import auth, dead_letters, health, resources, workers
from pragma_os.auth import Authenticator
from pragma_os.deploy.packages import start_package_workers
from pragma_os.engine.retry import RetryPolicy
from pragma_os.engine.wakeups import Wakeups
from pragma_os.services.provider_queries import QueryBroker
from pragma_os.services.resources import ApplyQueue
from pragma_os.services.watch import prune_change_feed
from pragma_os.services.workers import Dispatcher, recheck_blocked, rescue_expired
from pragma_os.settings import Settings
from pragma_os.store import Database
from pragma_os.store.dialect import is_sqlite

logger = logging.getLogger("pragma_os.engine")


_RECHECK_BLOCKED_SECONDS = 2.0
_PRUNE_SECONDS = 60.0


async def _rescue_forever(dispatcher: Dispatcher, settings: Settings) -> None:
    """Redeliver events whose worker stopped heartbeating, on a shared database re-check
    waiting events now and then, and trim the change feed; keeps going through database hiccups."""
    shared_database = not is_sqlite(settings.resolved_database_url)
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
        except Exception:
            logger.exception("Rescuing expired leases failed; trying again")
            continue
        if rescued:
            logger.warning("Redelivering %d event(s) whose lease expired", rescued)


def create_app(settings: Settings) -> FastAPI:
    """The API application; its database opens at startup and closes at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(settings.resolved_database_url)
        app.state.database = database
        app.state.authenticator = Authenticator(database, settings.token_cache_seconds)
        wakeups = Wakeups()
        dispatcher = Dispatcher(
            database=database,
            wakeups=wakeups,
            queries=QueryBroker(wakeups),
            policy=RetryPolicy(
                settings.retry_max_attempts, settings.retry_base_seconds, settings.retry_max_seconds
            ),
            lease_seconds=settings.lease_seconds,
        )
        app.state.dispatcher = dispatcher
        app.state.apply_queue = ApplyQueue(database, dispatcher.wakeups)
        rescuer = asyncio.create_task(_rescue_forever(dispatcher, settings))
        workers = await start_package_workers(settings, database)
        # Everything built at startup lives as long as the process: keep the collector off it,
        # and let it run less often (allocation-heavy request handling triggers it constantly).
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        try:
            yield
        finally:
            await asyncio.gather(*(worker.stop() for worker in workers))
            rescuer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await rescuer
            await database.close()

    app = FastAPI(
        title="Pragma API",
        version=pragma_os.__version__,
        default_response_class=FastJSONResponse,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    for router in (health.router, auth.router, resources.router, dead_letters.router, workers.router):
        app.include_router(router)
    return app
