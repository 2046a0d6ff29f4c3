"""Schemathesis hooks of ``test_schemathesis``: keep generated requests to what the OpenAPI
document can say, and long polls short.

Loaded by ``st run`` through ``SCHEMATHESIS_HOOKS``. Each hook names a rule of the server
that JSON Schema cannot state; the rule itself is documented (docs/resources.md, limits) and
tested on its own in ``test_bad_input`` and ``test_json_body``.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from pragma_os.api.json_body import MAX_INTEGER, MIN_INTEGER
from pragma_os.files import FILE_NAME_MAX_BYTES
from pragma_sdk.provider import MAX_WAIT_SECONDS, LeaseRequest

LONG_POLL_SECONDS = 0.2
"""What a generated ``wait_seconds`` is cut to: a lease, or a read of a subresource, waits that long."""


def _integers_fit(value: Any) -> bool:
    """Whether every integer in ``value`` is one the store keeps (64 bits, signed or unsigned).

    JSON Schema can bound an integer field, not every integer anywhere in a free-form
    ``config`` or ``outputs``; the server refuses the others with 422 naming where they are.
    """
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return MIN_INTEGER <= value <= MAX_INTEGER
    if isinstance(value, dict):
        return all(_integers_fit(item) for item in value.values())
    if isinstance(value, list):
        return all(_integers_fit(item) for item in value)
    return True


@schemathesis.hook
def filter_body(context: schemathesis.HookContext, body: Any) -> bool:
    """Bodies whose integers the store keeps."""
    return _integers_fit(body)


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    """Long polls wait up to ``wait_seconds`` (at most 60; a lease 20 by default): the run cannot
    wait that long for each, so a wait the server would take is cut to ``LONG_POLL_SECONDS``.

    Done before the call rather than on generation, so that the cases of every phase (the
    coverage phase's boundary values too) are shortened alike.
    """
    if (case.method.upper(), case.path) == ("POST", "/workers/lease") and isinstance(case.body, dict):
        _shorten(case.body, LeaseRequest.model_fields["wait_seconds"].default)
    elif case.path == "/workers/events/{event_id}/resources/{resource_id}" and case.query:
        _shorten(case.query, 0.0)


def _shorten(values: dict[str, Any], server_default: float) -> None:
    wait = values.get("wait_seconds", server_default)
    if type(wait) in (int, float) and LONG_POLL_SECONDS < wait <= MAX_WAIT_SECONDS:
        values["wait_seconds"] = LONG_POLL_SECONDS


@schemathesis.hook
def filter_path_parameters(context: schemathesis.HookContext, path_parameters: dict[str, Any] | None) -> bool:
    """File names are at most 255 bytes of UTF-8; ``maxLength`` counts characters, so names
    of up to 255 characters that take more bytes are valid to the schema alone."""
    name = (path_parameters or {}).get("name")
    if not isinstance(name, str) or len(name) > FILE_NAME_MAX_BYTES:
        return True
    return len(name.encode("utf-8", "surrogatepass")) <= FILE_NAME_MAX_BYTES
