"""The watch stream on the client side: server-sent events parsed into ``WatchEvent``s.

Both clients share the parser, the request and the reading of a wait; each only reads lines
its own way.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

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

    def events(self, line: str) -> tuple[WatchEvent, ...]:
        """The events ``line`` completes: none, or one."""
        event = self.feed(line)
        return () if event is None else (event,)


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


T = TypeVar("T")


class ReadyWait(Generic[T]):
    """Reads the watch of one resource until it is ready, within a deadline set at creation.

    ``feed`` gives ``parse(document)`` once the resource is ready; it raises
    ``ResourceFailedError`` when the resource failed or was deleted, and ``expired()`` when a
    line arrives past the deadline.
    """

    def __init__(self, path: str, timeout: float, parse: Callable[[dict[str, Any]], T]) -> None:
        self.path = path
        self.timeout = timeout
        self._parse = parse
        self._deadline = time.monotonic() + timeout
        self._parser = SSEParser()

    def feed(self, line: str) -> tuple[T, ...]:
        """Take one line of the watch; the parsed document when it shows the resource ready."""
        for event in self._parser.events(line):
            if (document := settled(event, self.path)) is not None:
                return (self._parse(document),)
        if time.monotonic() > self._deadline:
            raise self.expired()
        return ()

    def expired(self) -> TimeoutError:
        """The error of a wait that ran out of time (or whose stream ended first)."""
        return TimeoutError(f"{self.path} was not ready within {self.timeout:g} s")
