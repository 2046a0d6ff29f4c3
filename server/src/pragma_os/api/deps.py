"""Dependencies shared by routers: the database, the settings and the authenticated caller.

Routes take the caller as ``CurrentPrincipal`` (a user's token; a worker token is refused
with 403) or, on the worker routes only, as ``WorkerPrincipal`` (either kind).
"""

from __future__ import annotations

import operator
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

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
from pragma_sdk.log_format import bind_log_fields


def _from_app_state(path: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency giving what the app's lifespan keeps at ``app.state.<path>`` (dotted)."""
    read = operator.attrgetter(path)

    # Async, so FastAPI calls it in the event loop rather than in a worker thread.
    async def dependency(request: Request) -> Any:
        return read(request.app.state)

    return dependency


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
    principal = await authenticator.authenticate(authorization)
    # The request's remaining log lines name the organization (RequestTracking undoes it at the end).
    bind_log_fields(organization=principal.organization_name)
    return principal


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


DatabaseDep = Annotated[Database, Depends(_from_app_state("database"))]
"""The server's database."""
SettingsDep = Annotated[Settings, Depends(_from_app_state("settings"))]
"""The server's settings."""
CurrentPrincipal = Annotated[Principal, Depends(get_user_principal)]
"""A user's token; every route but the worker routes takes the caller this way."""
WorkerPrincipal = Annotated[Principal, Depends(get_principal)]
"""A worker token limited to its providers, or a user's token (which may run workers too)."""
DispatcherDep = Annotated[Dispatcher, Depends(_from_app_state("dispatcher"))]
"""The engine's dispatcher (database, wakeups, retry policy)."""
WakeupsDep = Annotated[Wakeups, Depends(_from_app_state("dispatcher.wakeups"))]
"""Signals that wake long-polling workers."""
ApplyQueueDep = Annotated[ApplyQueue, Depends(_from_app_state("apply_queue"))]
"""The group-commit queue for applies."""
WorkerNoticesDep = Annotated[WorkerNotices, Depends(_from_app_state("worker_notices"))]
"""Says which pending resources wait for a worker of their provider that has not connected."""
ProvidersDep = Annotated[ProviderPlatform, Depends(_from_app_state("providers"))]
"""Pushes, builds and deployments."""
ServerKeysDep = Annotated[ServerKeys, Depends(_from_app_state("keys"))]
"""The keys derived from the server key (sealing secrets, signing file URLs)."""
FilesDep = Annotated[FileStorage, Depends(_from_app_state("files"))]
"""Where uploaded files live."""
SealerDep = Annotated[Sealer, Depends(_from_app_state("dispatcher.sealer"))]
"""Seals and opens secret values."""
