"""Request ids: every request gets one, its log lines carry it, and its response returns it
(``api/request_tracking.py`` does both).

A client's ``X-Request-ID`` is kept when it is 1 to 200 printable ASCII characters; anything
else (missing, too long, control or non-ASCII characters) is replaced by a new id, never
refused. An apply records it on the event it queues, so the worker's lines for that event
carry it too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

HEADER = "X-Request-ID"
HEADER_KEY = b"x-request-id"
MAX_LENGTH = 200
# Printable ASCII, space to tilde.
_PRINTABLE = frozenset(range(0x20, 0x7F))


def new_request_id() -> str:
    """A fresh id: 32 hexadecimal digits."""
    return os.urandom(16).hex()


def accepted_request_id(value: bytes | None) -> str | None:
    """``value`` as a request id, or ``None`` when it breaks the rule (see the module docstring)."""
    if not value or len(value) > MAX_LENGTH or not _PRINTABLE.issuperset(value):
        return None
    return value.decode("ascii")


def request_id_of(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The id of a request with these (ASGI) headers: the one it sent, if acceptable, or a new one."""
    for name, value in headers:
        if name == HEADER_KEY:
            return accepted_request_id(value) or new_request_id()
    return new_request_id()
