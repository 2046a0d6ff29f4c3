"""Dependencies shared by routers: the database, the settings and the authenticated caller.

Routes take the caller as ``CurrentPrincipal`` (a user's token; a worker token is refused
with 403) or, on the worker routes only, as ``WorkerPrincipal`` (either kind).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials

from pragma_os.api.openapi import BEARER
from pragma_os.auth import Authenticator, Principal
from pragma_os.daemons.apply_queue import ApplyQueue
from pragma_os.engine.wakeups import Wakeups
from pragma_os.errors import ForbiddenError
from pragma_os.files import FileStorage
from pragma_os.secrets.keys import ServerKeys
from pragma_os.secrets.sealing import Sealer
from pragma_os.services.providers import ProviderPlatform
from pragma_os.services.worker_notices import WorkerNotices
from pragma_os.services.workers import Dispatcher
from pragma_os.settings import Settings
from pragma_os.store import Database


async def get_database(request: Request) -> Database:
    """The server's database."""
    database: Database = request.app.state.database
    return database


async def get_dispatcher(request: Request) -> Dispatcher:
    """The engine's dispatcher (database, wakeups, retry policy)."""
    dispatcher: Dispatcher = request.app.state.dispatcher
    return dispatcher


async def get_apply_queue(request: Request) -> ApplyQueue:
    """The group-commit queue for applies."""
    queue: ApplyQueue = request.app.state.apply_queue
    return queue


async def get_worker_notices(request: Request) -> WorkerNotices:
    """Says which pending resources wait for a worker of their provider that has not connected."""
    notices: WorkerNotices = request.app.state.worker_notices
    return notices


async def get_wakeups(request: Request) -> Wakeups:
    """Signals that wake long-polling workers."""
    wakeups: Wakeups = request.app.state.dispatcher.wakeups
    return wakeups


async def get_provider_platform(request: Request) -> ProviderPlatform:
    """Pushes, builds and deployments."""
    platform: ProviderPlatform = request.app.state.providers
    return platform


async def get_file_storage(request: Request) -> FileStorage:
    """Where uploaded files live."""
    storage: FileStorage = request.app.state.files
    return storage


async def get_server_keys(request: Request) -> ServerKeys:
    """The keys derived from the server key (sealing secrets, signing file URLs)."""
    keys: ServerKeys = request.app.state.keys
    return keys


async def get_sealer(request: Request) -> Sealer:
    """Seals and opens secret values."""
    sealer: Sealer = request.app.state.dispatcher.sealer
    return sealer


async def get_settings(request: Request) -> Settings:
    """The server's settings."""
    settings: Settings = request.app.state.settings
    return settings


WORKER_TOKEN_REFUSED = (
    "A worker token may only lease, heartbeat, complete and answer queries for its providers, "
    "and apply and read the subresources of the events it holds (the /workers routes); "
    "use a user's API token for this request."
)


# ``BEARER`` puts the token in the OpenAPI document; the Authenticator reads the header itself.
BearerDocumented = Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)]


async def get_principal(
    request: Request,
    _bearer: BearerDocumented = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    """The caller behind the bearer token, user or worker; 401 without a valid one."""
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator.authenticate(authorization)


async def get_user_principal(
    request: Request,
    _bearer: BearerDocumented = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    """The user behind the bearer token; 401 without a valid one, 403 for a worker token."""
    principal = await get_principal(request, authorization=authorization)
    if principal.is_worker:
        raise ForbiddenError(WORKER_TOKEN_REFUSED)
    return principal


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CurrentPrincipal = Annotated[Principal, Depends(get_user_principal)]
"""A user's token; every route but the worker routes takes the caller this way."""
WorkerPrincipal = Annotated[Principal, Depends(get_principal)]
"""A worker token limited to its providers, or a user's token (which may run workers too)."""
DispatcherDep = Annotated[Dispatcher, Depends(get_dispatcher)]
WakeupsDep = Annotated[Wakeups, Depends(get_wakeups)]
ApplyQueueDep = Annotated[ApplyQueue, Depends(get_apply_queue)]
WorkerNoticesDep = Annotated[WorkerNotices, Depends(get_worker_notices)]
ProvidersDep = Annotated[ProviderPlatform, Depends(get_provider_platform)]
ServerKeysDep = Annotated[ServerKeys, Depends(get_server_keys)]
FilesDep = Annotated[FileStorage, Depends(get_file_storage)]
SealerDep = Annotated[Sealer, Depends(get_sealer)]
