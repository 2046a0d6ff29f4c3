"""Where uploaded files live: the ``FileStorage`` interface and its local-directory backend.

``LocalFileStorage`` keeps ``<root>/<organization_id>/<name>``: one file per name holding a
4 KiB header (content type, checksum, size, upload time) followed by the content. An upload
streams into a staging file in the same folder and one ``os.replace`` publishes it, so data
and metadata switch together and a reader holding the old file keeps reading the old content.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TypeVar

from pragma_os.files.errors import CorruptFileError, FileTooLargeError
from pragma_os.files.names import check_file_name

T = TypeVar("T")

HEADER_BYTES = 4096
_MAGIC = b"pragma-file 1\n"
_WRITE_BATCH = 1024 * 1024
_READ_CHUNK = 512 * 1024
_STAGING_PREFIX = ".upload-"
_ORGANIZATION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A stored file's metadata; ``checksum`` is the hex SHA-256 of the content."""

    name: str
    size: int
    checksum: str
    content_type: str
    uploaded_at: datetime


class FileStorage(Protocol):
    """A storage backend for uploaded files, one namespace per organization."""

    async def write(
        self,
        organization_id: str,
        name: str,
        chunks: AsyncIterator[bytes],
        content_type: str,
        max_bytes: int,
    ) -> StoredFile:
        """Store the content of ``chunks`` under ``name``, replacing what was there at once.

        Raises:
            FileTooLargeError: The content passed ``max_bytes``; nothing was stored.
        """
        ...

    async def stat(self, organization_id: str, name: str) -> StoredFile | None:
        """The file's metadata, or ``None`` when there is no such file."""
        ...

    async def open(self, organization_id: str, name: str) -> tuple[StoredFile, AsyncIterator[bytes]] | None:
        """The file's metadata and its content in chunks, or ``None`` when there is no such file.

        The content is the version that was current when ``open`` returned, even if the file is
        replaced or deleted while it is read. Iterate it to the end or ``aclose()`` it.
        """
        ...

    async def delete(self, organization_id: str, name: str) -> bool:
        """Remove the file; whether there was one."""
        ...


class LocalFileStorage:
    """Files in a local directory: ``<root>/<organization_id>/<name>``."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path(self, organization_id: str, name: str) -> Path:
        """Where the file lives; names and organization ids that could leave the folder raise."""
        if not _ORGANIZATION_ID.fullmatch(organization_id):
            raise ValueError(f"not an organization id: {organization_id!r}")
        folder = self.root / organization_id
        path = folder / check_file_name(name)
        # Defense in depth: the name rule already forbids separators and leading dots.
        if path.parent != folder or os.path.normpath(path) != str(path):
            raise ValueError(f"file path escapes its folder: {name!r}")
        return path

    async def remove_stale_uploads(self, idle_seconds: float = 3600.0) -> int:
        """Remove staging files no upload has written to for ``idle_seconds`` (left by a crash)."""
        return await asyncio.to_thread(_remove_stale_uploads, self.root, idle_seconds)

    async def write(
        self,
        organization_id: str,
        name: str,
        chunks: AsyncIterator[bytes],
        content_type: str,
        max_bytes: int,
    ) -> StoredFile:
        """Stream ``chunks`` into a staging file, then publish it as ``name`` with one rename.

        Raises:
            FileTooLargeError: The content passed ``max_bytes``; the staging file is removed.
        """
        target = self.path(organization_id, name)
        staging = await _Staging.create(target.parent)
        try:
            batch = bytearray()
            async for chunk in chunks:
                if staging.size + len(batch) + len(chunk) > max_bytes:
                    raise FileTooLargeError(max_bytes)
                batch += chunk
                if len(batch) >= _WRITE_BATCH:
                    await staging.append(batch)
                    batch = bytearray()
            if batch:
                await staging.append(batch)
            stored = StoredFile(
                name=name,
                size=staging.size,
                checksum=staging.hasher.hexdigest(),
                content_type=content_type,
                uploaded_at=datetime.now(UTC),
            )
            await staging.publish(stored, target)
        except BaseException:
            await staging.discard()
            raise
        return stored

    async def stat(self, organization_id: str, name: str) -> StoredFile | None:
        """The file's metadata, read from its header; ``None`` when there is no such file."""
        opened = await asyncio.to_thread(_open_stored, self.path(organization_id, name))
        if opened is None:
            return None
        handle, stored = opened
        handle.close()
        return stored

    async def open(self, organization_id: str, name: str) -> tuple[StoredFile, AsyncIterator[bytes]] | None:
        """The file's metadata and content, both from one open handle (see ``FileStorage.open``)."""
        opened = await asyncio.to_thread(_open_stored, self.path(organization_id, name))
        if opened is None:
            return None
        handle, stored = opened
        return stored, _read_content(handle, stored)

    async def delete(self, organization_id: str, name: str) -> bool:
        """Remove the file; readers that opened it keep reading until they finish."""
        path = self.path(organization_id, name)
        try:
            await asyncio.to_thread(path.unlink)
        except FileNotFoundError:
            return False
        return True


class _Staging:
    """A staging file being written; every blocking step runs in a thread, one at a time."""

    def __init__(self, path: Path, handle: BinaryIO) -> None:
        self.path = path
        self.handle = handle
        self.size = 0
        self.hasher = hashlib.sha256()
        self._pending: asyncio.Future[Any] | None = None

    @classmethod
    async def create(cls, folder: Path) -> _Staging:
        """A new staging file in ``folder``, positioned after the space kept for the header."""
        return cls(*await asyncio.to_thread(_create_staging_file, folder))

    async def append(self, data: bytearray) -> None:
        """Write and hash ``data`` after what came before."""
        await self._in_thread(self._append, data)
        self.size += len(data)

    async def publish(self, stored: StoredFile, target: Path) -> None:
        """Write the header, make the file durable and rename it over ``target``."""
        await self._in_thread(self._publish, stored, target)

    async def discard(self) -> None:
        """Close and remove the staging file, once the thread step in flight (if any) is done."""
        if self._pending is not None:
            with contextlib.suppress(BaseException):
                await self._pending
        self.handle.close()
        self.path.unlink(missing_ok=True)

    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        # Shielded so that a cancelled request cannot close the handle under a running write:
        # ``discard`` waits for this step first.
        self._pending = asyncio.ensure_future(asyncio.to_thread(function, *args))
        result: T = await asyncio.shield(self._pending)
        return result

    def _append(self, data: bytearray) -> None:
        self.hasher.update(data)
        self.handle.write(data)

    def _publish(self, stored: StoredFile, target: Path) -> None:
        self.handle.seek(0)
        self.handle.write(_encode_header(stored))
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.path, target)
        _fsync_directory(target.parent)


def _create_staging_file(folder: Path) -> tuple[Path, BinaryIO]:
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=_STAGING_PREFIX, dir=folder)
    handle = os.fdopen(descriptor, "wb")
    handle.seek(HEADER_BYTES)  # the header is written last, once checksum and size are known
    return Path(name), handle


def _remove_stale_uploads(root: Path, idle_seconds: float) -> int:
    removed = 0
    cutoff = time.time() - idle_seconds
    for staged in root.glob(f"*/{_STAGING_PREFIX}*"):
        with contextlib.suppress(FileNotFoundError):
            if staged.stat().st_mtime < cutoff:
                staged.unlink()
                removed += 1
    return removed


def _fsync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _encode_header(stored: StoredFile) -> bytes:
    fields = {
        "name": stored.name,
        "size": stored.size,
        "checksum": stored.checksum,
        "content_type": stored.content_type,
        "uploaded_at": stored.uploaded_at.isoformat(),
    }
    header = _MAGIC + json.dumps(fields, separators=(",", ":")).encode() + b"\n"
    if len(header) > HEADER_BYTES:
        raise ValueError("file header too long")  # names and content types are bounded well below
    return header.ljust(HEADER_BYTES, b" ")


def _decode_header(header: bytes, file_size: int, path: Path) -> StoredFile:
    try:
        if not header.startswith(_MAGIC):
            raise ValueError("no header")
        fields = json.loads(header[len(_MAGIC) :])
        stored = StoredFile(
            name=str(fields["name"]),
            size=int(fields["size"]),
            checksum=str(fields["checksum"]),
            content_type=str(fields["content_type"]),
            uploaded_at=datetime.fromisoformat(fields["uploaded_at"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise CorruptFileError(f"Stored file {path} has no readable header: {error}") from None
    if HEADER_BYTES + stored.size != file_size:
        raise CorruptFileError(f"Stored file {path} is {file_size} bytes; its header says {stored.size}")
    return stored


def _open_stored(path: Path) -> tuple[BinaryIO, StoredFile] | None:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    try:
        stored = _decode_header(handle.read(HEADER_BYTES), os.fstat(handle.fileno()).st_size, path)
    except BaseException:
        handle.close()
        raise
    return handle, stored


async def _read_content(handle: BinaryIO, stored: StoredFile) -> AsyncIterator[bytes]:
    try:
        remaining = stored.size
        while remaining > 0:
            chunk = await asyncio.to_thread(handle.read, min(_READ_CHUNK, remaining))
            if not chunk:
                raise CorruptFileError(f"Stored file {stored.name!r} ended {remaining} bytes early")
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()
