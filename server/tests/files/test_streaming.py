"""Uploads and downloads stream: a replace is atomic for concurrent readers, and memory stays flat.

Both run against the SQLite server only: they exercise the file path, not the database.
"""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from testing.fixtures.files import MIB, GeneratedUpload, memory_mib, reset_peak_memory, upload
from testing.fixtures.server import RunningServer

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

MEMORY_TEST_BYTES = 256 * MIB
MAX_GROWTH_MIB = 10


def test_readers_see_one_whole_version_while_it_is_replaced(server: RunningServer, unique: str) -> None:
    versions = [os.urandom(3 * MIB), os.urandom(2 * MIB)]
    checksums = {hashlib.sha256(version).hexdigest(): len(version) for version in versions}
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        assert upload(client, unique, versions[0]).status_code == 200
    done = threading.Event()

    def writer() -> int:
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            for round_number in range(1, 31):
                assert upload(client, unique, versions[round_number % 2]).status_code == 200
        done.set()
        return 30

    def reader() -> list[str]:
        seen = []
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            while not done.is_set():
                response = client.get(f"/files/{unique}/download")
                assert response.status_code == 200
                checksum = hashlib.sha256(response.content).hexdigest()
                assert checksum in checksums, "a download mixed two versions"
                assert response.headers["x-checksum-sha256"] == checksum
                assert int(response.headers["content-length"]) == checksums[checksum]
                head = client.head(f"/files/{unique}")
                assert int(head.headers["content-length"]) == checksums[head.headers["x-checksum-sha256"]]
                seen.append(checksum)
        return seen

    with ThreadPoolExecutor(4) as pool:
        readers = [pool.submit(reader) for _ in range(3)]
        assert pool.submit(writer).result() == 30
        seen = [checksum for future in readers for checksum in future.result()]
    assert len(seen) >= 10
    assert set(seen) == set(checksums), "the readers never overlapped a replace"


def test_a_256_mib_upload_and_download_keep_server_memory_flat(server: RunningServer, unique: str) -> None:
    pid = server.process.pid
    generated = GeneratedUpload(MEMORY_TEST_BYTES)
    headers = {"Authorization": f"Bearer {server.token}", **generated.headers}
    with httpx.Client(base_url=server.url, timeout=120) as client:
        reset_peak_memory(pid)
        before = memory_mib(pid)["VmRSS"]
        response = client.post(f"/files/{unique}/upload", content=generated.body(), headers=headers)
        upload_growth = memory_mib(pid)["VmHWM"] - before
        assert response.status_code == 200, response.text
        assert response.json()["size"] == MEMORY_TEST_BYTES
        assert response.json()["checksum"] == generated.checksum

        reset_peak_memory(pid)
        before = memory_mib(pid)["VmRSS"]
        hasher = hashlib.sha256()
        with client.stream(
            "GET", f"/files/{unique}/download", headers={"Authorization": headers["Authorization"]}
        ) as download:
            for chunk in download.iter_bytes():
                hasher.update(chunk)
        download_growth = memory_mib(pid)["VmHWM"] - before
        assert hasher.hexdigest() == generated.checksum
        client.delete(f"/files/{unique}", headers={"Authorization": headers["Authorization"]})
    print(f"server peak RSS growth: upload {upload_growth:.1f} MiB, download {download_growth:.1f} MiB")
    assert upload_growth < MAX_GROWTH_MIB
    assert download_growth < MAX_GROWTH_MIB
