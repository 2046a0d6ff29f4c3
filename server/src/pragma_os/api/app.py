"""``create_app``: builds the FastAPI application around one ``Settings`` object."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import pragma_os
from pragma_os.api.errors import install_error_handlers
from pragma_os.api.limits import BodySizeLimit
from pragma_os.api.responses import FastJSONResponse
from pragma_os.api.routers import auth, health, resources
from pragma_os.auth import Authenticator
from pragma_os.settings import Settings
from pragma_os.store import Database


def create_app(settings: Settings) -> FastAPI:
    """The API application; its database opens at startup and closes at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(settings.resolved_database_url)
        app.state.database = database
        app.state.authenticator = Authenticator(database, settings.token_cache_seconds)
        try:
            yield
        finally:
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
    for router in (health.router, auth.router, resources.router):
        app.include_router(router)
    return app
