"""A log file that keeps only its last bytes: appended in whole lines, rotated into ``<name>.1``.

The log is its current file and at most one previous segment. Each holds up to half the
limit, so together they keep roughly the last ``max_bytes`` and the disk use stays bounded
however much a process prints. A new segment starts with a line saying older lines go; a
reader shows it only at the top of what it reads, where lines are actually missing.
"""

from __future__ import annotations

import os
from pathlib import Path

PREVIOUS_SUFFIX = ".1"
_NOTICE_START = b"==> this log keeps about its last "


def previous_segment(path: Path) -> Path:
    """Where the segment before the current one of the log at ``path`` is kept."""
    return path.with_name(path.name + PREVIOUS_SUFFIX)


class BoundedLog:
    """Appends lines to a log at ``path``, keeping about its last ``max_bytes``."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path = path
        self._segment_bytes = max(max_bytes // 2, 1)
        self._notice = _NOTICE_START + f"{_size(max_bytes)}: older lines go as new ones come\n".encode()

    def append(self, data: bytes) -> None:
        """Append ``data`` (whole lines); starts a new segment first when this one would grow too large.

        Raises:
            OSError: The log cannot be written (its directory is gone, the disk is full).
        """
        with open(self.path, "ab") as log:
            size = os.fstat(log.fileno()).st_size
            if size == 0 or size + len(data) <= self._segment_bytes:
                log.write(data)
                return
        os.replace(self.path, previous_segment(self.path))
        with open(self.path, "ab") as log:
            log.write(self._notice + data)


def without_notice(segment_start: bytes) -> bytes:
    """The start of a segment without the rotation notice it opens with (when it follows another)."""
    if segment_start.startswith(_NOTICE_START) and b"\n" in segment_start:
        return segment_start.split(b"\n", 1)[1]
    return segment_start


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):g} MiB"
    if count >= 1024:
        return f"{count / 1024:g} KiB"
    return f"{count} bytes"
