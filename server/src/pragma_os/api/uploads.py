"""Streaming ``multipart/form-data`` uploads: a file part's bytes reach the handler as they arrive.

Starlette's form parser spools every uploaded file to a temporary file before the endpoint
runs. Reading the request stream here instead keeps one copy on disk (the storage's own) and
lets storage refuse an oversized file as soon as it passes the limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from pragma_os.errors import BadRequestError, InvalidInputError

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

DEFAULT_CONTENT_TYPE = "application/octet-stream"
_MAX_PART_HEADERS_BYTES = 16 * 1024


class MultipartFile:
    """One part of a multipart body, read from the request as the handler consumes it.

    ``await start()`` reads up to the part's data; then ``chunks()`` yields the data and, once
    the part ends, reads the rest of the body (other parts are skipped).
    """

    def __init__(self, request: Request, field: str) -> None:
        self.field = field
        self.content_type = DEFAULT_CONTENT_TYPE
        self._stream = request.stream()
        boundary = _boundary(request.headers.get("content-type", ""), field)
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
        }
        self._parser = MultipartParser(boundary, callbacks)
        self._headers: dict[bytes, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._headers_bytes = 0
        self._in_part = False
        self._started = False
        self._finished = False
        self._data: list[bytes] = []

    async def start(self) -> None:
        """Read the body up to the part's data; its ``content_type`` is known afterwards.

        Raises:
            InvalidInputError: The body ends without the part, or is not valid multipart.
        """
        while not self._started:
            if not await self._feed():
                raise InvalidInputError(self.field, f"the multipart body has no part named '{self.field}'")

    async def chunks(self) -> AsyncIterator[bytes]:
        """The part's data as it arrives; ends once the part and then the whole body are read.

        Raises:
            InvalidInputError: The body ends inside the part, or is not valid multipart.
            BadRequestError: The client went away before the upload ended.
        """
        while True:
            if self._data:
                pending, self._data = self._data, []
                for chunk in pending:
                    yield chunk
            if self._finished:
                break
            if not await self._feed():
                raise InvalidInputError(self.field, "the upload ended before the file part was complete")
        while await self._feed():
            pass
        self._data.clear()

    async def _feed(self) -> bool:
        """Parse the next piece of the body; ``False`` when the body has ended."""
        try:
            chunk = await anext(self._stream)
        except StopAsyncIteration:
            return False
        except ClientDisconnect:
            raise BadRequestError(
                "The upload was cut off: the client went away before sending it all."
            ) from None
        try:
            self._parser.write(chunk)
        except FormParserError:
            raise InvalidInputError(self.field, "the body is not valid multipart/form-data") from None
        return True

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._headers_bytes = 0

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]
        self._count_header_bytes(end - start)

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        self._count_header_bytes(end - start)

    def _count_header_bytes(self, count: int) -> None:
        self._headers_bytes += count
        if self._headers_bytes > _MAX_PART_HEADERS_BYTES:
            raise InvalidInputError(self.field, "a multipart part has more than 16 KiB of headers")

    def _on_header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if self._started or options.get(b"name") != self.field.encode():
            return
        self._in_part = self._started = True
        content_type = self._headers.get(b"content-type", b"").decode("latin-1").strip()
        self.content_type = content_type or DEFAULT_CONTENT_TYPE

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_part:
            self._data.append(data[start:end])

    def _on_part_end(self) -> None:
        if self._in_part:
            self._in_part = False
            self._finished = True


def _boundary(content_type: str, field: str) -> bytes:
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidInputError(field, f"send the file as multipart/form-data, in a part named '{field}'")
    return boundary
