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


def event_stream(messages: AsyncIterator[bytes], media_type: str = "text/event-stream") -> StreamingResponse:
    """A live response (server-sent events by default) that proxies must neither cache nor buffer."""
    return StreamingResponse(
        messages,
        media_type=media_type,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
