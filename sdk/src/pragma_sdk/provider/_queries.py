"""``answer_query``: run a resource's ``health()`` or ``logs()`` for a question the platform relays.

The worker runtime calls it for each query handed out with a lease. ``logs()`` may be an
async generator (the public SDK's form) or a coroutine returning a list (our earlier form).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterable, Iterable
from typing import TYPE_CHECKING, Any

from pragma_sdk.models import LogEntry
from pragma_sdk.provider._protocol import ProviderQuery
from pragma_sdk.provider._resolution import resource_from_document

if TYPE_CHECKING:
    from pragma_sdk.provider._registry import Provider

QueryAnswerBody = dict[str, Any]


async def answer_query(provider: Provider, query: ProviderQuery) -> QueryAnswerBody:
    """Run the resource's ``health()`` or ``logs()`` handler for ``query``; failures become ``error``.

    Returns:
        ``{"result": ..., "error": None}`` with the health report or the list of log entries
        (at most ``query.tail``, the last ones produced), or ``{"result": None, "error": "Type: message"}``.
    """
    try:
        registration = provider.registration(query.resource)
        resource = resource_from_document(registration.resource_class, query.document)
        if query.kind == "health":
            return {"result": (await resource.health()).model_dump(mode="json"), "error": None}
        entries = await collect_log_entries(resource.logs(since=query.since, tail=query.tail))
        kept = entries[-query.tail :] if query.tail > 0 else []
        return {"result": [entry.model_dump(mode="json") for entry in kept], "error": None}
    except Exception as exc:
        return {"result": None, "error": f"{type(exc).__name__}: {exc}"}


async def collect_log_entries(produced: object) -> list[LogEntry]:
    """Gather what a ``logs()`` handler produced: an async iterator, an awaitable or an iterable.

    Entries given as dicts are validated into ``LogEntry``.

    Raises:
        TypeError: ``produced`` is none of those.
        pydantic.ValidationError: An entry is not a valid ``LogEntry``.
    """
    if isinstance(produced, AsyncIterable):
        items: list[Any] = [item async for item in produced]
    else:
        if inspect.isawaitable(produced):
            produced = await produced
        if not isinstance(produced, Iterable) or isinstance(produced, str | bytes):
            raise TypeError(f"logs() produced {type(produced).__name__}; expected LogEntry items")
        items = list(produced)
    return [item if isinstance(item, LogEntry) else LogEntry.model_validate(item) for item in items]
