"""The watch stream on the client side: server-sent events parsed into ``WatchEvent``s.

Both clients share the parser and the request; each only reads lines its own way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pragma_sdk.errors import ResourceFailedError
from pragma_sdk.models import LifecycleState


@dataclass(frozen=True)
class WatchEvent:
    """One change: ``resource`` with the current document, or ``deleted`` with its ``id``."""

    id: str | None
    event: str
    data: dict[str, Any]


@dataclass
class SSEParser:
    """Turns ``text/event-stream`` lines into events, one ``feed`` per line."""

    _id: str | None = None
    _event: str = "message"
    _data: list[str] = field(default_factory=list)

    def feed(self, line: str) -> WatchEvent | None:
        """Take one line; return the event it completes, if any."""
        if not line:
            if not self._data:
                return None
            event = WatchEvent(self._id, self._event, json.loads("\n".join(self._data)))
            self._event, self._data = "message", []
            return event
        if line.startswith(":"):
            return None
        key, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if key == "id":
            self._id = value
        elif key == "event":
            self._event = value
        elif key == "data":
            self._data.append(value)
        return None


def watch_params(
    provider: str | None, resource: str | None, name: str | None, snapshot: bool
) -> dict[str, Any]:
    """Query parameters of ``GET /resources/watch``."""
    params: dict[str, Any] = {"provider": provider, "resource": resource, "name": name}
    params["snapshot"] = "true" if snapshot else "false"
    return {key: value for key, value in params.items() if value is not None}


def settled(event: WatchEvent, path: str) -> dict[str, Any] | None:
    """The document when ``event`` shows the resource ready; raises when it failed or is gone."""
    if event.event == "deleted":
        raise ResourceFailedError(event.data.get("id", path), f"{path} was deleted while waiting for it")
    if event.event != "resource":
        return None
    return ready_document(event.data, path)


def ready_document(document: dict[str, Any], path: str) -> dict[str, Any] | None:
    """``document`` when the resource is ready, ``None`` while it is on its way; raises when it failed."""
    state = document.get("lifecycle_state")
    if state == LifecycleState.READY:
        return document
    if state == LifecycleState.FAILED:
        raise ResourceFailedError(document.get("id", path), document.get("error") or "failed")
    return None
