"""Reading a bounded log (see ``log_file``): all of it or its last lines, then new lines as they come.

A reader keeps its file open, so it finishes a segment that was just rotated away before it
moves on to the new one: following a log loses nothing across rotations.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import BinaryIO

from pragma_os.output.log_file import previous_segment, without_notice

_CHUNK_BYTES = 1024 * 1024
_TAIL_BLOCK_BYTES = 64 * 1024
POLL_SECONDS = 0.2

StillGoing = Callable[[], Awaitable[bool]]
"""Whether more lines may still come (a build that has not ended); following stops when not."""


def log_exists(path: Path) -> bool:
    """Whether anything was ever written to the log at ``path``."""
    return path.exists() or previous_segment(path).exists()


async def stream_log(
    path: Path,
    *,
    tail: int | None = None,
    follow: bool = False,
    still_going: StillGoing | None = None,
    poll_seconds: float = POLL_SECONDS,
) -> AsyncIterator[bytes]:
    """Yield the log's lines (in chunks of whole lines): all of them, or the last ``tail``.

    With ``follow`` it goes on yielding new lines until ``still_going`` says no more will come
    (never when not given: until the caller stops iterating); a log not written yet is waited for.
    """
    reader = _Reader(path)
    try:
        pending = await asyncio.to_thread(reader.start, tail)
        finished = not follow
        while True:
            chunk = await asyncio.to_thread(reader.read)
            pending += chunk
            complete, newline, pending = pending.rpartition(b"\n")
            if newline:
                yield complete + newline
            if chunk:
                continue
            if finished:
                if pending:
                    yield pending + b"\n"
                return
            await asyncio.sleep(poll_seconds)
            if still_going is not None and not await still_going():
                finished = True  # one more read picks up the last lines
    finally:
        reader.close()


class _Reader:
    """Reads a log on from where it started, across rotations."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._queued: list[BinaryIO] = []  # the previous segment, when the whole log is read
        self._file: BinaryIO | None = None
        self._follows_segment = False  # the current file is read from its start after another

    def start(self, tail: int | None) -> bytes:
        """Open the log; returns its last ``tail`` lines, or nothing when the whole log is to be read."""
        self._file = _open(self._path)
        previous = _open(previous_segment(self._path))
        if previous is not None and self._file is not None and _same_file(previous, self._file):
            previous.close()  # rotated between the two opens: it is the current segment
            previous = None
        if tail is None:
            if previous is not None:
                self._queued.append(previous)
                self._follows_segment = True
            return b""
        try:
            lines, found = _last_lines(self._file, tail) if self._file is not None else (b"", 0)
            if found < tail and previous is not None:  # all of the current segment, and more
                lines = without_notice(lines)
                older, _ = _last_lines(previous, tail - lines.count(b"\n"))
                lines = older + lines
        finally:
            if previous is not None:
                previous.close()
        return lines

    def read(self) -> bytes:
        """The next bytes of the log; empty at its end (for now)."""
        while self._queued:
            if chunk := self._queued[0].read(_CHUNK_BYTES):
                return chunk
            self._queued.pop(0).close()
        if self._file is not None and (chunk := self._file.read(_CHUNK_BYTES)):
            return self._segment_start(chunk)
        current = _open(self._path)
        if current is None or (self._file is not None and _same_file(current, self._file)):
            if current is not None:
                current.close()
            return b""
        # A new segment (or the log's first): finish the one that was rotated away, then go on.
        rest = self._file.read() if self._file is not None else b""
        if self._file is not None:
            self._file.close()
            self._follows_segment = True
        self._file = current
        return rest or self._segment_start(current.read(_CHUNK_BYTES))

    def _segment_start(self, chunk: bytes) -> bytes:
        """``chunk`` without the rotation notice when it opens a segment that follows another."""
        # An empty chunk: the writer made the new segment and has not written to it yet (its
        # notice comes with its first lines, in one write).
        if not self._follows_segment or not chunk:
            return chunk
        self._follows_segment = False
        return without_notice(chunk)

    def close(self) -> None:
        for handle in [*self._queued, self._file]:
            if handle is not None:
                handle.close()
        self._queued, self._file = [], None


def _open(path: Path) -> BinaryIO | None:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        return None


def _same_file(one: BinaryIO, other: BinaryIO) -> bool:
    first, second = os.fstat(one.fileno()), os.fstat(other.fileno())
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def _last_lines(handle: BinaryIO, count: int) -> tuple[bytes, int]:
    """The last ``count`` whole lines of ``handle`` (fewer when it has fewer) and how many.

    Leaves ``handle`` after them: a line still being written is read whole by what follows.
    """
    end = handle.seek(0, os.SEEK_END)
    position, data = end, b""
    # ``count`` whole lines are preceded by the count+1-th newline from the end (or the start).
    while position > 0 and data.count(b"\n") <= count:
        step = min(_TAIL_BLOCK_BYTES, position)
        position -= step
        handle.seek(position)
        data = handle.read(step) + data
    complete, newline, partial = data.rpartition(b"\n")
    handle.seek(end - len(partial))
    if count <= 0 or not newline:
        return b"", 0
    lines = complete.split(b"\n")
    if position > 0:
        lines = lines[1:]  # the first piece is the end of an earlier line
    kept = lines[-count:]
    return b"".join(line + b"\n" for line in kept), len(kept)
