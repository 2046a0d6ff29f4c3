"""The server's HTTP protocol: uvicorn's httptools protocol with a request header size limit,
enforced before a request reaches the app, and a response's writes sent together.

uvicorn's httptools protocol reads a request's head whole, however large (a 64 MiB header
was held in memory, then answered). ``server_protocol`` makes a subclass that answers 431 and
closes the connection once a head grows past the limit. It also gives each response a
``CoalescingTransport``: uvicorn writes a response's head and body with a system call each.
"""

from __future__ import annotations

from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from pragma_os.api.write_coalescing import CoalescingTransport

# What a header line adds to its name and value: ": " and CRLF.
_HEADER_LINE_OVERHEAD = 4
# How long a refused connection goes on reading (and dropping) what the client still sends.
_LINGER_SECONDS = 2.0


class ServerProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a request head (request line and headers) over
    ``max_header_bytes`` with 431, and writing each response through a ``CoalescingTransport``.

    Two counts: the bytes received while a head is incomplete bound the memory a head can take
    while it streams in (httptools buffers a header until its end); the sizes of the request
    target and headers, summed as the parser hands them over, catch a head that arrived whole
    in one read.
    """

    max_header_bytes = 64 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading_head = True
        self._message_completed = False
        self._received_head_bytes = 0
        self._parsed_head_bytes = 0
        self._refused = False
        self._answered = False
        self._coalescing: CoalescingTransport | None = None

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # dropped: see ``_refuse``
        self._message_completed = False
        super().data_received(data)
        if self._refused:  # by ``on_headers_complete``
            self._refuse()
            return
        if not self._reading_head or self.transport.is_closing():
            return
        if self._message_completed:
            # A pipelined request began in this read after the end of the previous one; its
            # share of ``data`` is unknown, and the parsed count still checks it at its end.
            self._received_head_bytes = 0
        else:
            self._received_head_bytes += len(data)
        if self._received_head_bytes > self.max_header_bytes:
            self._refuse()

    def on_message_begin(self) -> None:
        self._parsed_head_bytes = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._parsed_head_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._parsed_head_bytes += len(name) + len(value) + _HEADER_LINE_OVERHEAD
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._received_head_bytes = 0
        if self._parsed_head_bytes > self.max_header_bytes:
            # The app never sees this request; ``data_received`` answers once the parser returns.
            self._refused = True
            return
        super().on_headers_complete()
        if self.cycle is not None:
            if self._coalescing is None:
                self._coalescing = CoalescingTransport(self.transport, self.loop)
            self.cycle.transport = self._coalescing  # type: ignore[assignment]

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._reading_head = True
        self._message_completed = True
        if not self._refused:
            super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._refused and self.cycle.response_complete:
            self._answer_431()

    def _refuse(self) -> None:
        """Answer 431 now, or after the response of a request pipelined before this one."""
        self._refused = True
        if self.cycle is None or self.cycle.response_complete:
            self._answer_431()

    def _answer_431(self) -> None:
        if self._coalescing is not None:
            self._coalescing.flush()
        if self.transport.is_closing() or self._answered:
            return
        self._answered = True
        body = orjson.dumps(
            {
                "detail": {
                    "message": f"Request headers are larger than the limit of {self.max_header_bytes} bytes.",
                    "field": "headers",
                    "limit_bytes": self.max_header_bytes,
                }
            }
        )
        head = [STATUS_LINE[431]]
        head.extend(b"%s: %s\r\n" % header for header in self.server_state.default_headers)
        head.append(
            b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(body)
        )
        self.logger.warning("Refused a request whose headers are over %d bytes.", self.max_header_bytes)
        self.transport.write(b"".join(head) + body)
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        # Closing with unread data would reset the connection, and a client still sending
        # (most read the answer only once the request is out) could lose the 431 with it. So
        # the answer ends our side, and what still comes is read and dropped for a while.
        self.transport.write_eof()
        self.loop.call_later(_LINGER_SECONDS, self.transport.close)


def server_protocol(max_header_bytes: int) -> type[ServerProtocol]:
    """The protocol class to pass to uvicorn as ``http=``, with this header limit."""
    return type("ServerProtocol", (ServerProtocol,), {"max_header_bytes": max_header_bytes})
