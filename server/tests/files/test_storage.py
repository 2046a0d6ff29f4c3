"""``LocalFileStorage`` on a temporary directory: layout, limits, and what readers see during a replace."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pragma_os.files import FileNameError, FileTooLargeError, LocalFileStorage
from pragma_os.files.storage import HEADER_BYTES

ORG = "org_0123456789abcdef"


async def chunks_of(data: bytes, size: int = 100_000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def collect(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


def leftovers(storage: LocalFileStorage) -> list[str]:
    folder = storage.root / ORG
    return sorted(os.listdir(folder)) if folder.exists() else []


@pytest.fixture
def storage(tmp_path: Path) -> LocalFileStorage:
    return LocalFileStorage(tmp_path / "files")


async def test_write_stat_open_round_trip(storage: LocalFileStorage) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    before = datetime.now(UTC)
    stored = await storage.write(ORG, "data.bin", chunks_of(data), "application/x-test", len(data))
    assert (stored.name, stored.size, stored.content_type) == ("data.bin", len(data), "application/x-test")
    assert stored.checksum == hashlib.sha256(data).hexdigest()
    assert before <= stored.uploaded_at <= datetime.now(UTC)
    assert await storage.stat(ORG, "data.bin") == stored
    opened = await storage.open(ORG, "data.bin")
    assert opened is not None
    assert opened[0] == stored
    assert await collect(opened[1]) == data
    # One file per name: the header, then the content as uploaded.
    path = storage.root / ORG / "data.bin"
    assert path.stat().st_size == HEADER_BYTES + len(data)
    assert path.read_bytes()[HEADER_BYTES:] == data
    assert leftovers(storage) == ["data.bin"]


async def test_empty_file(storage: LocalFileStorage) -> None:
    stored = await storage.write(ORG, "empty", chunks_of(b""), "text/plain", 10)
    assert stored.size == 0
    assert stored.checksum == hashlib.sha256(b"").hexdigest()
    opened = await storage.open(ORG, "empty")
    assert opened is not None
    assert await collect(opened[1]) == b""


async def test_missing_files(storage: LocalFileStorage) -> None:
    assert await storage.stat(ORG, "nothing") is None
    assert await storage.open(ORG, "nothing") is None
    assert await storage.delete(ORG, "nothing") is False


async def test_over_the_limit_leaves_nothing_and_keeps_the_old_version(storage: LocalFileStorage) -> None:
    await storage.write(ORG, "f", chunks_of(b"old"), "text/plain", 100)
    with pytest.raises(FileTooLargeError) as refused:
        await storage.write(ORG, "f", chunks_of(b"x" * 101, size=10), "text/plain", 100)
    assert refused.value.status_code == 413
    assert refused.value.detail["field"] == "file"
    assert refused.value.detail["limit_bytes"] == 100
    assert leftovers(storage) == ["f"]
    opened = await storage.open(ORG, "f")
    assert opened is not None
    assert await collect(opened[1]) == b"old"
    assert (await storage.write(ORG, "f", chunks_of(b"y" * 100), "text/plain", 100)).size == 100


async def test_a_failing_stream_leaves_nothing(storage: LocalFileStorage) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"x" * (2 * 1024 * 1024)
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await storage.write(ORG, "f", broken(), "text/plain", 10**9)
    assert leftovers(storage) == []
    assert await storage.stat(ORG, "f") is None


async def test_a_cancelled_upload_leaves_nothing(storage: LocalFileStorage) -> None:
    started = asyncio.Event()

    async def endless() -> AsyncIterator[bytes]:
        while True:
            started.set()
            yield b"x" * (1024 * 1024)
            await asyncio.sleep(0)

    task = asyncio.create_task(storage.write(ORG, "f", endless(), "text/plain", 10**12))
    await started.wait()
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert leftovers(storage) == []


async def test_a_reader_keeps_the_version_it_opened_through_replace_and_delete(
    storage: LocalFileStorage,
) -> None:
    old, new = os.urandom(2 * 1024 * 1024), os.urandom(1024 * 1024)
    await storage.write(ORG, "f", chunks_of(old), "text/old", len(old))
    opened = await storage.open(ORG, "f")
    assert opened is not None
    first = await anext(opened[1])
    replaced = await storage.write(ORG, "f", chunks_of(new), "text/new", len(new))
    assert (await storage.stat(ORG, "f")) == replaced
    assert await storage.delete(ORG, "f") is True
    assert opened[0].content_type == "text/old"
    assert first + await collect(opened[1]) == old
    assert await storage.stat(ORG, "f") is None


async def test_names_are_checked_and_organizations_kept_apart(storage: LocalFileStorage) -> None:
    for bad in ("../x", "a/b", ".hidden", "", "x" * 256):
        with pytest.raises(FileNameError):
            await storage.write(ORG, bad, chunks_of(b"x"), "text/plain", 10)
    for bad_org in ("..", "org/x", "", ".org"):
        with pytest.raises(ValueError, match="organization id"):
            storage.path(bad_org, "f")
    await storage.write(ORG, "same", chunks_of(b"one"), "text/plain", 10)
    await storage.write("org_other", "same", chunks_of(b"two"), "text/plain", 10)
    assert (await storage.stat(ORG, "same")) != (await storage.stat("org_other", "same"))
    assert storage.path(ORG, "same") == storage.root / ORG / "same"


async def test_staging_files_left_by_a_crash_are_removed_once_idle(storage: LocalFileStorage) -> None:
    await storage.write(ORG, "kept", chunks_of(b"x"), "text/plain", 10)
    folder = storage.root / ORG
    stale, active = folder / ".upload-stale", folder / ".upload-active"
    stale.write_bytes(b"half an upload")
    active.write_bytes(b"still being written")
    an_hour_ago = time.time() - 3601
    os.utime(stale, (an_hour_ago, an_hour_ago))
    assert await storage.remove_stale_uploads() == 1
    assert leftovers(storage) == [".upload-active", "kept"]
