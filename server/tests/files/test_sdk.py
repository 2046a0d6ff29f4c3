"""The SDK's file calls against a real server, through both clients."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from pragma_sdk import AsyncPragmaClient, FileInfo, PragmaClient, SignedUrlResponse


def test_guide_example_and_every_call(client: PragmaClient, unique: str, tmp_path: Path) -> None:
    path = tmp_path / "training-data.jsonl"
    path.write_bytes(b'{"prompt": "hi"}\n' * 1000)
    with path.open("rb") as f:
        result = client.upload_file(name=unique, content=f.read(), content_type="application/jsonl")
    assert result["url"].endswith(f"/files/{unique}/download")
    assert "token=" in result["public_url"]
    assert result["size"] == path.stat().st_size
    assert result["checksum"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert isinstance(result["uploaded_at"], datetime)

    assert client.download_file(unique) == path.read_bytes()
    info = client.get_file_metadata(unique)
    assert info == FileInfo(
        name=unique,
        size=result["size"],
        content_type="application/jsonl",
        checksum=result["checksum"],
        uploaded_at=result["uploaded_at"],
    )
    with client.stream_file(unique) as response:
        assert response.headers["x-checksum-sha256"] == result["checksum"]
        assert b"".join(response.iter_bytes()) == path.read_bytes()

    signed = client.get_file_url(unique, expires_in=60)
    assert isinstance(signed, SignedUrlResponse)
    assert signed.expires_in == 60
    assert signed.expires_at is not None
    assert signed.expires_at > datetime.now(UTC)
    assert httpx.get(signed.url).content == path.read_bytes()

    client.delete_file(unique)
    client.delete_file(unique)
    for call in (client.download_file, client.get_file_metadata, client.get_file_url):
        with pytest.raises(httpx.HTTPStatusError) as missing:
            call(unique)
        assert missing.value.response.status_code == 404
    with pytest.raises(httpx.HTTPStatusError), client.stream_file(unique):
        pass


def test_file_objects_are_streamed_and_odd_names_stay_one_segment(
    client: PragmaClient, unique: str, tmp_path: Path
) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(5 * 1024 * 1024 + 3))
    name = f"{unique} report (final)?#.bin"
    with path.open("rb") as handle:
        result = client.upload_file(name, handle)
    assert result["content_type"] == "application/octet-stream"
    assert result["checksum"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert client.download_file(name) == path.read_bytes()
    with pytest.raises(httpx.HTTPStatusError) as refused:
        client.upload_file(f"{unique}/escape", b"x")
    assert refused.value.response.status_code == 422
    assert "name" in str(refused.value)


async def test_async_client_has_the_same_calls(
    async_client: AsyncPragmaClient, unique: str, tmp_path: Path
) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n1,2\n" * 50_000)
    with path.open("rb") as handle:
        result = await async_client.upload_file(unique, handle, "text/csv")
    assert result["size"] == path.stat().st_size
    assert await async_client.download_file(unique) == path.read_bytes()
    info = await async_client.get_file_metadata(unique)
    assert (info.size, info.content_type, info.checksum) == (result["size"], "text/csv", result["checksum"])
    async with async_client.stream_file(unique) as response:
        assert b"".join([chunk async for chunk in response.aiter_bytes()]) == path.read_bytes()
    signed = await async_client.get_file_url(unique)
    assert signed.expires_in == 3600
    async with httpx.AsyncClient() as anonymous:
        assert (await anonymous.get(signed.url)).content == path.read_bytes()
    await async_client.delete_file(unique)
    with pytest.raises(httpx.HTTPStatusError) as missing:
        await async_client.get_file_metadata(unique)
    assert missing.value.response.status_code == 404
    with pytest.raises(httpx.HTTPStatusError):
        async with async_client.stream_file(unique):
            pass
