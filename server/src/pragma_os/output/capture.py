"""Capturing what a process prints (stdout and stderr merged) line by line into a bounded log.

Every line is cut to ``MAX_LINE_BYTES``, redacted of the organization's secret values and,
for workers, stamped with the time and the process it came from. Nothing a process prints
reaches the server's own log. Reading is rate limited: a process printing without end fills
its pipe and waits, so it slows itself down, not the server.

Workers write into an OS pipe of their own (``OutputPipe``) rather than one asyncio creates:
asyncio waits for its pipes to close before it reports an exit, and a process could keep
them open forever by leaving a child behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime

from pragma_os.output.log_file import BoundedLog
from pragma_os.secrets.redaction import Redactor

logger = logging.getLogger("pragma_os.output")

MAX_LINE_BYTES = 16 * 1024
# How much of an overlong line is read and redacted before it is cut to MAX_LINE_BYTES, so a
# secret that straddles the cut is still recognized.
_GATHER_BYTES = 64 * 1024
_CHUNK_BYTES = 64 * 1024
_BYTES_PER_SECOND = 1024 * 1024
_BURST_BYTES = 4 * 1024 * 1024
# How long output is still read after the process exited (a child it left may hold the pipe).
_DRAIN_SECONDS = 2.0

Redaction = Callable[[], Awaitable[Redactor]]
"""Gets the redactor to apply now (the organization's secret values change over time)."""


class CapturedOutput:
    """Where the output of one group of processes goes (a release's replicas, a build, a package).

    Args:
        log: The log the lines are appended to.
        redaction: Gives the redactor of the organization the processes run for.
        stamped: Prefix each line with the time and its source (workers); builds keep lines bare.
    """

    def __init__(self, log: BoundedLog, redaction: Redaction, *, stamped: bool = True) -> None:
        self.log = log
        self._redaction = redaction
        self._stamped = stamped
        self._write_failed = False
        self._withholding = False

    @contextlib.contextmanager
    def pipe(self, source: str) -> Iterator[OutputPipe]:
        """A pipe for one process's stdout and stderr; start the process inside the block.

        Leaving the block closes the server's copy of the writing end (the child keeps its own).
        """
        pipe = OutputPipe(self, source)
        try:
            yield pipe
        except BaseException:
            pipe.close()
            raise
        finally:
            pipe.close_writer()

    async def pump(self, stream: asyncio.StreamReader, source: str = "") -> None:
        """Append every line of ``stream`` to the log until the stream ends."""
        lines = _LineSplitter()
        budget = _Budget(_BYTES_PER_SECOND, _BURST_BYTES)
        while chunk := await stream.read(_CHUNK_BYTES):
            written = await self._write(lines.feed(chunk), source)
            # What is written counts: a stream of empty lines grows by the stamp of each.
            await budget.spend(max(len(chunk), written))
        await self._write(lines.end(), source)

    def note(self, text: str, source: str = "") -> None:
        """Append a line of the server's own (a process started or exited)."""
        self._append(self._prefix(source) + f"==> {text}\n")

    async def _write(self, lines: list[tuple[bytes, bool]], source: str) -> int:
        """Append ``lines``, redacted and cut; returns how many bytes that was."""
        if not lines:
            return 0
        try:
            redactor = await self._redaction()
        except Exception:
            if not self._withholding:  # once until they load again, not for every line
                logger.exception("Cannot load the secrets to redact what %s prints; withholding it", source)
            self._withholding = True
            redactor = Redactor.withholding()
        else:
            self._withholding = False
        prefix = self._prefix(source)
        return self._append(
            "".join(f"{prefix}{_cut(redactor.redact(_text(line)), cut)}\n" for line, cut in lines)
        )

    def _prefix(self, source: str) -> str:
        """What starts each line: the time it was read and where it came from (nothing for builds)."""
        if not self._stamped:
            return ""
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return f"{stamp} [{source}] "

    def _append(self, text: str) -> int:
        data = text.encode()
        try:
            self.log.append(data)
        except OSError as error:
            if not self._write_failed:  # once: a full disk would repeat it for every line
                logger.warning("Cannot write to %s: %s; its lines are dropped", self.log.path, error)
            self._write_failed = True
        else:
            self._write_failed = False
        return len(data)


class OutputPipe:
    """An OS pipe: a child process writes to ``writer``; ``capture`` reads the other end into the log."""

    def __init__(self, output: CapturedOutput, source: str) -> None:
        self._output = output
        self._source = source
        self._reader, self.writer = os.pipe()
        self._writer_open = True
        self._reader_open = True

    def close_writer(self) -> None:
        """Close the server's copy of the writing end (once the child has its own)."""
        if self._writer_open:
            self._writer_open = False
            os.close(self.writer)

    def close(self) -> None:
        """Close both ends (the process could not be started)."""
        self.close_writer()
        if self._reader_open:
            self._reader_open = False
            os.close(self._reader)

    def capture(self, process: asyncio.subprocess.Process) -> asyncio.Task[None]:
        """Read ``process``'s output into the log until it exits; the log says when it started and ended."""
        return asyncio.create_task(self._capture(process))

    async def _capture(self, process: asyncio.subprocess.Process) -> None:
        self._output.note(f"started (pid {process.pid})", self._source)
        stream = asyncio.StreamReader(limit=_CHUNK_BYTES)
        self._reader_open = False  # the transport owns the descriptor from here on
        transport, _protocol = await asyncio.get_running_loop().connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(stream), os.fdopen(self._reader, "rb", buffering=0)
        )
        reading = asyncio.ensure_future(self._output.pump(stream, self._source))
        exited = asyncio.ensure_future(process.wait())
        try:
            await asyncio.wait({reading, exited}, return_when=asyncio.FIRST_COMPLETED)
            if not reading.done():
                await asyncio.wait({reading}, timeout=_DRAIN_SECONDS)
            code = await exited
            self._output.note(f"exited with code {code}", self._source)
        finally:
            reading.cancel()
            exited.cancel()
            transport.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reading


class _LineSplitter:
    """Splits a byte stream into lines; of a line longer than ``_GATHER_BYTES`` the rest is skipped.

    Yields ``(line, cut)`` pairs, ``cut`` telling that the line went on.
    """

    def __init__(self) -> None:
        self._partial = bytearray()
        self._skipping = False

    def feed(self, chunk: bytes) -> list[tuple[bytes, bool]]:
        lines: list[tuple[bytes, bool]] = []
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            self._take(chunk[start:end], lines)
            if self._skipping:
                self._skipping = False
            else:
                lines.append((bytes(self._partial), False))
            self._partial.clear()
            start = end + 1
        self._take(chunk[start:], lines)
        return lines

    def end(self) -> list[tuple[bytes, bool]]:
        rest = [] if self._skipping or not self._partial else [(bytes(self._partial), False)]
        self._partial.clear()
        self._skipping = False
        return rest

    def _take(self, piece: bytes, lines: list[tuple[bytes, bool]]) -> None:
        if self._skipping:
            return
        self._partial += piece
        if len(self._partial) > _GATHER_BYTES:
            lines.append((bytes(self._partial[:_GATHER_BYTES]), True))
            self._partial.clear()
            self._skipping = True


class _Budget:
    """A token bucket of bytes: ``spend`` sleeps once more than the burst was read faster than the rate."""

    def __init__(self, rate: float, burst: float) -> None:
        self._rate = rate
        self._burst = burst
        self._tokens = burst
        self._last = asyncio.get_running_loop().time()

    async def spend(self, count: int) -> None:
        now = asyncio.get_running_loop().time()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate) - count
        self._last = now
        if self._tokens < 0:
            await asyncio.sleep(-self._tokens / self._rate)


def _text(line: bytes) -> str:
    return line.decode("utf-8", "replace").rstrip("\r")


def _cut(text: str, cut: bool) -> str:
    encoded = text.encode()
    if not cut and len(encoded) <= MAX_LINE_BYTES:
        return text
    return encoded[:MAX_LINE_BYTES].decode("utf-8", "ignore") + f" [line cut at {MAX_LINE_BYTES} bytes]"
