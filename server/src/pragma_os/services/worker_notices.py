"""Saying why a pending resource does not move: no worker of its provider has connected.

A provider with no registered types is one whose workers the user runs (``python -m
pragma_sdk.worker``); until one polls, its resources would wait with nothing to show. The
documents the API returns for them carry ``message`` saying so. It is worked out when a
document is read, from worker presence (``services/presence.py``), so it clears as soon as
a worker polls, on any replica, and nothing has to be written when one comes or goes.
Providers that registered types (deployed ones, ``--provider-package`` ones, the built-in
``pragma``) run under the server, which reports their workers itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pragma_os.services.config_validation import ConfigValidator
from pragma_os.services.presence import WorkerPresence
from pragma_sdk.models import LifecycleState


def no_worker_message(provider: str) -> str:
    """What a resource of ``provider`` says while no worker of it has connected."""
    return (
        f"no worker of provider {provider} has connected: run one "
        "(python -m pragma_sdk.worker --package <your package>) or deploy the provider"
    )


class WorkerNotices:
    """Adds ``message`` to documents of pending resources whose provider has no worker."""

    def __init__(self, validator: ConfigValidator, presence: WorkerPresence) -> None:
        self._validator = validator
        self._presence = presence

    async def annotate(self, organization_id: str, documents: Iterable[dict[str, Any]]) -> None:
        """Set ``message`` on those of ``documents`` (of one organization) that wait for a worker
        of their provider while none has connected; the others are left as they are."""
        waiting = [
            document for document in documents if document.get("lifecycle_state") == LifecycleState.PENDING
        ]
        absent: dict[str, bool] = {}
        for document in waiting:
            provider = str(document["provider"])
            if provider not in absent:
                absent[provider] = await self._absent(organization_id, provider)
            if absent[provider]:
                document["message"] = no_worker_message(provider)

    async def _absent(self, organization_id: str, provider: str) -> bool:
        if await self._validator.has_types(organization_id, provider):
            return False
        return not await self._presence.connected(organization_id, provider)
