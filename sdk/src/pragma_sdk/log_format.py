"""Log lines as JSON objects, and the fields a task adds to every line it logs.

The worker runtime and the platform's server both write their logs through ``JsonFormatter``
when asked for JSON (``PRAGMA_LOG_FORMAT=json``); ``log_fields`` puts a request's or a
handler's identity (request id, resource id, event id...) on every line logged inside it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal

LogFormat = Literal["plain", "json"]
"""How log lines are written: ``plain`` text for a terminal, or ``json``, one object per line."""

LOG_FORMATS: tuple[LogFormat, ...] = ("plain", "json")

LOG_FIELDS = ("organization", "resource_id", "provider", "event_id", "request_id")
"""The context fields a JSON line carries where they apply."""

_EMPTY: Mapping[str, str] = MappingProxyType({})
_fields: ContextVar[Mapping[str, str]] = ContextVar("pragma_log_fields", default=_EMPTY)


def current_log_fields() -> Mapping[str, str]:
    """The context fields of the code running now (empty outside a request or handler)."""
    return _fields.get()


def current_request_id() -> str | None:
    """The id of the request (or the event's request, in a handler) the running code serves."""
    return _fields.get().get("request_id")


def bind_log_fields(**fields: str | None) -> Token[Mapping[str, str]]:
    """Add ``fields`` (``None`` ones left out) to the context of the running task and what it
    starts; returns the token that ``unbind_log_fields`` takes to undo it."""
    added = {name: value for name, value in fields.items() if value is not None}
    return _fields.set({**_fields.get(), **added})


def unbind_log_fields(token: Token[Mapping[str, str]]) -> None:
    """Undo the ``bind_log_fields`` that returned ``token``."""
    _fields.reset(token)


@contextmanager
def log_fields(**fields: str | None) -> Iterator[None]:
    """Every line logged inside the block (and in tasks started there) carries ``fields``."""
    token = bind_log_fields(**fields)
    try:
        yield
    finally:
        _fields.reset(token)


def log_time(created: float) -> str:
    """A record's time as ISO 8601 in UTC with milliseconds: ``2026-01-31T12:00:00.123Z``."""
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``time``, ``level``, ``logger``, ``message``, the context
    fields that are set (``log_fields``, or passed as ``extra=``), and ``exception`` when
    the record carries one.

    Args:
        dumps: Turns the object into text (``json.dumps`` by default; the server uses orjson).
    """

    def __init__(self, dumps: Callable[[dict[str, Any]], str] = json.dumps) -> None:
        super().__init__()
        self._dumps = dumps

    def format(self, record: logging.LogRecord) -> str:
        entry = self.entry(record)
        return self._dumps(entry)

    def entry(self, record: logging.LogRecord) -> dict[str, Any]:
        """The object written for ``record``; subclasses add fields of their own."""
        entry: dict[str, Any] = {
            "time": log_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_fields.get())
        for name in LOG_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return entry
