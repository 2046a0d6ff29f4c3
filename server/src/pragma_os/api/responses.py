"""Responses: JSON rendered with orjson (content type exactly ``application/json``), event streams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi.responses import JSONResponse, StreamingResponse


class FastJSONResponse(JSONResponse):
    """``JSONResponse`` that renders datetimes and enums natively, and faster."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def event_stream(messages: AsyncIterator[bytes]) -> StreamingResponse:
    """A server-sent-events response that proxies must neither cache nor buffer."""
    return StreamingResponse(
        messages,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
