"""The Files API over HTTP on a real server: round trips, names, tenancy, signed URLs, limits."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from pragma_os.files import sign_download_url, url_signature
from testing.fixtures.db import make_database_url
from testing.fixtures.files import MIB, GeneratedUpload, signing_key, upload
from testing.fixtures.server import RunningServer, new_tenant_token, start_server

BAD_NAMES = ["%2E%2E", "a%2Fb", "%2F", "%00x", "a%5Cb", ".hidden", "x" * 300, "%01"]


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@pytest.fixture(scope="module")
def other_org(server: RunningServer) -> Iterator[httpx.Client]:
    """A client of a second organization on the same server."""
    token = new_tenant_token(server, f"files-{os.urandom(4).hex()}", "other@example.com")
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        yield client


@pytest.fixture
def anonymous(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def test_upload_download_round_trip_with_checksum(
    http: httpx.Client, server: RunningServer, unique: str
) -> None:
    content = os.urandom(300_000)
    uploaded = upload(http, f"{unique}.bin", content, "application/x-thing")
    assert uploaded.status_code == 200, uploaded.text
    metadata = uploaded.json()
    checksum = hashlib.sha256(content).hexdigest()
    assert metadata["size"] == len(content)
    assert metadata["checksum"] == checksum
    assert metadata["content_type"] == "application/x-thing"
    assert metadata["url"] == f"{server.url}/files/{unique}.bin/download"
    assert metadata["public_url"].startswith(f"{server.url}/files/{unique}.bin/download?")
    assert datetime.fromisoformat(metadata["uploaded_at"]).tzinfo is not None

    downloaded = http.get(f"/files/{unique}.bin/download")
    assert downloaded.status_code == 200
    assert downloaded.content == content
    assert downloaded.headers["content-type"] == "application/x-thing"
    assert downloaded.headers["content-length"] == str(len(content))
    assert downloaded.headers["x-checksum-sha256"] == checksum
    assert downloaded.headers["etag"] == f'"{checksum}"'
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    assert downloaded.headers["x-content-type-options"] == "nosniff"


def test_text_content_type_is_kept_as_uploaded(http: httpx.Client, unique: str) -> None:
    assert upload(http, unique, b"a,b\n", "text/csv").status_code == 200
    assert http.get(f"/files/{unique}/download").headers["content-type"] == "text/csv"


def test_part_without_content_type_is_octet_stream(http: httpx.Client, unique: str) -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\nraw\r\n--b--\r\n'
    response = http.post(
        f"/files/{unique}/upload", content=body, headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["content_type"] == "application/octet-stream"
    assert http.get(f"/files/{unique}/download").content == b"raw"


def test_other_parts_are_ignored(http: httpx.Client, unique: str) -> None:
    response = http.post(
        f"/files/{unique}/upload",
        data={"note": "not the file"},
        files={"other": ("o", b"other", "text/plain"), "file": ("f", b"the file", "text/plain")},
    )
    assert response.status_code == 200, response.text
    assert http.get(f"/files/{unique}/download").content == b"the file"


def test_head_reports_the_file_and_404_when_missing(http: httpx.Client, unique: str) -> None:
    content = b"x" * 1234
    upload(http, unique, content, "image/png")
    head = http.head(f"/files/{unique}")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == "1234"
    assert head.headers["content-type"] == "image/png"
    assert head.headers["x-checksum-sha256"] == hashlib.sha256(content).hexdigest()
    assert datetime.fromisoformat(head.headers["x-uploaded-at"]) <= datetime.now(UTC)
    assert http.head(f"/files/{unique}-missing").status_code == 404


def test_reupload_replaces_content_and_metadata(http: httpx.Client, unique: str) -> None:
    first = upload(http, unique, b"first version", "text/plain").json()
    second = upload(http, unique, b"2nd", "application/json").json()
    assert second["checksum"] != first["checksum"]
    assert second["uploaded_at"] >= first["uploaded_at"]
    downloaded = http.get(f"/files/{unique}/download")
    assert downloaded.content == b"2nd"
    assert downloaded.headers["content-type"] == "application/json"
    assert downloaded.headers["x-checksum-sha256"] == second["checksum"]


def test_delete_removes_and_is_idempotent(http: httpx.Client, unique: str) -> None:
    upload(http, unique, b"bye")
    assert http.delete(f"/files/{unique}").status_code == 204
    assert http.get(f"/files/{unique}/download").status_code == 404
    assert http.head(f"/files/{unique}").status_code == 404
    assert http.get(f"/files/{unique}/url").status_code == 404
    assert http.delete(f"/files/{unique}").status_code == 204


def test_missing_file_is_404_naming_it(http: httpx.Client, unique: str) -> None:
    response = http.get(f"/files/{unique}/download")
    assert response.status_code == 404
    assert unique in response.json()["detail"]["message"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_are_422_naming_name(http: httpx.Client, name: str) -> None:
    for method, path, kwargs in (
        ("POST", f"/files/{name}/upload", {"files": {"file": ("f", b"x", "text/plain")}}),
        ("GET", f"/files/{name}/download", {}),
        ("GET", f"/files/{name}/url", {}),
        ("DELETE", f"/files/{name}", {}),
    ):
        response = http.request(method, path, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 422, (method, path, response.text)
        assert response.json()["detail"]["field"] == "name"
    assert http.head(f"/files/{name}").status_code == 422


def test_nothing_lands_outside_the_organization_folder(http: httpx.Client, server: RunningServer) -> None:
    before = sorted(path.name for path in server.data_dir.iterdir())
    for name in ("%2E%2E", "..%2Fescaped", "%2E%2E%2F%2E%2E%2Fescaped"):
        assert (
            http.post(f"/files/{name}/upload", files={"file": ("f", b"x", "text/plain")}).status_code == 422
        )
    assert sorted(path.name for path in server.data_dir.iterdir()) == before
    assert not list(server.data_dir.rglob("escaped"))


def test_bad_uploads_are_422(http: httpx.Client, unique: str) -> None:
    not_multipart = http.post(
        f"/files/{unique}/upload", content=b"raw", headers={"Content-Type": "text/plain"}
    )
    assert not_multipart.status_code == 422
    assert not_multipart.json()["detail"]["field"] == "file"
    no_file_part = http.post(f"/files/{unique}/upload", files={"other": ("o", b"x", "text/plain")})
    assert no_file_part.status_code == 422
    assert "'file'" in no_file_part.json()["detail"]["message"]
    truncated = http.post(
        f"/files/{unique}/upload",
        content=b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\npartial',
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert truncated.status_code == 422
    bad_type = upload(http, unique, b"x", "not a media type")
    assert bad_type.status_code == 422
    assert bad_type.json()["detail"]["field"] == "content_type"
    assert http.head(f"/files/{unique}").status_code == 404


def test_every_route_needs_a_token(anonymous: httpx.Client, http: httpx.Client, unique: str) -> None:
    upload(http, unique, b"secret")
    assert upload(anonymous, unique, b"x").status_code == 401
    assert anonymous.get(f"/files/{unique}/download").status_code == 401
    assert anonymous.get(f"/files/{unique}/url").status_code == 401
    assert anonymous.head(f"/files/{unique}").status_code == 401
    assert anonymous.delete(f"/files/{unique}").status_code == 401
    assert http.get(f"/files/{unique}/download").content == b"secret"


def test_another_organizations_file_is_404(http: httpx.Client, other_org: httpx.Client, unique: str) -> None:
    upload(http, unique, b"ours")
    assert other_org.get(f"/files/{unique}/download").status_code == 404
    assert other_org.head(f"/files/{unique}").status_code == 404
    assert other_org.get(f"/files/{unique}/url").status_code == 404
    assert other_org.delete(f"/files/{unique}").status_code == 204
    assert http.get(f"/files/{unique}/download").content == b"ours"
    # The same name in the other organization is its own file.
    assert upload(other_org, unique, b"theirs").status_code == 200
    assert http.get(f"/files/{unique}/download").content == b"ours"
    assert other_org.get(f"/files/{unique}/download").content == b"theirs"


def test_signed_url_downloads_without_a_token(
    http: httpx.Client, anonymous: httpx.Client, unique: str
) -> None:
    upload(http, unique, b"shared content", "text/plain")
    signed = http.get(f"/files/{unique}/url", params={"expires_in": 120})
    assert signed.status_code == 200
    body = signed.json()
    assert body["expires_in"] == 120
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert timedelta(seconds=100) < expires_at - datetime.now(UTC) <= timedelta(seconds=120)
    assert int(query_of(body["url"])["expires"]) == int(expires_at.timestamp())
    downloaded = anonymous.get(body["url"])
    assert downloaded.status_code == 200
    assert downloaded.content == b"shared content"
    assert "authorization" not in downloaded.request.headers
    public = anonymous.get(upload(http, unique, b"v2").json()["public_url"])
    assert public.content == b"v2"


def test_default_and_bounds_of_expires_in(http: httpx.Client, unique: str) -> None:
    upload(http, unique, b"x")
    assert http.get(f"/files/{unique}/url").json()["expires_in"] == 3600
    assert http.get(f"/files/{unique}/url", params={"expires_in": 7 * 86400}).status_code == 200
    for bad in (0, -5, 7 * 86400 + 1, "soon"):
        assert http.get(f"/files/{unique}/url", params={"expires_in": bad}).status_code == 422


def test_altered_signed_urls_are_403(
    http: httpx.Client, other_org: httpx.Client, anonymous: httpx.Client, unique: str
) -> None:
    upload(http, unique, b"ours")
    upload(http, f"{unique}-b", b"another file")
    upload(other_org, unique, b"theirs")
    url = http.get(f"/files/{unique}/url").json()["url"]
    query = query_of(url)
    other_id = other_org.get("/auth/me").json()["organization_id"]
    token = query["token"]
    altered = {
        "signature": {**query, "token": ("A" if token[0] != "A" else "B") + token[1:]},
        "organization": {**query, "org": other_id},
        "expiry": {**query, "expires": str(int(query["expires"]) + 3600)},
        "missing token": {key: value for key, value in query.items() if key != "token"},
        "missing org": {key: value for key, value in query.items() if key != "org"},
    }
    for case, params in altered.items():
        response = anonymous.get(f"/files/{unique}/download?{urlencode(params)}")
        assert response.status_code == 403, (case, response.text)
        assert "download link" in response.json()["detail"]["message"]
    other_name = anonymous.get(f"/files/{unique}-b/download?{urlencode(query)}")
    assert other_name.status_code == 403
    # A bearer token does not rescue a bad signature: the signed parameters decide.
    assert http.get(f"/files/{unique}/download?{urlencode(altered['signature'])}").status_code == 403


def test_expired_signed_url_is_403(
    http: httpx.Client, anonymous: httpx.Client, server: RunningServer, unique: str
) -> None:
    upload(http, unique, b"old news")
    organization_id = http.get("/auth/me").json()["organization_id"]
    key = signing_key(server)
    past = datetime.now(UTC) - timedelta(seconds=5)
    expired = anonymous.get(sign_download_url(key, server.url, organization_id, unique, past))
    assert expired.status_code == 403
    assert "expired" in expired.json()["detail"]["message"]
    # The same key signing a future expiry works: the test really has the server's key.
    future = int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())
    token = url_signature(key, organization_id, unique, future)
    fresh = anonymous.get(
        f"/files/{unique}/download", params={"org": organization_id, "expires": future, "token": token}
    )
    assert fresh.content == b"old news"


def test_signed_url_for_a_deleted_file_is_404(
    http: httpx.Client, anonymous: httpx.Client, unique: str
) -> None:
    upload(http, unique, b"x")
    url = http.get(f"/files/{unique}/url").json()["url"]
    http.delete(f"/files/{unique}")
    assert anonymous.get(url).status_code == 404


@pytest.fixture(scope="module")
def small_limit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server that takes files of at most 1 MiB."""
    root = tmp_path_factory.mktemp("files-limit")
    running = start_server(
        root, make_database_url("sqlite", root), extra_env={"PRAGMA_MAX_FILE_BYTES": str(MIB)}
    )
    yield running
    running.stop()


def staging_files(server: RunningServer) -> list[Path]:
    return list((server.data_dir / "files").rglob(".upload-*"))


def test_upload_over_the_limit_is_413(small_limit_server: RunningServer) -> None:
    server = small_limit_server
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        assert upload(client, "exact", b"x" * MIB).status_code == 200
        assert upload(client, "kept", b"small").status_code == 200

        one_over = upload(client, "kept", b"x" * (MIB + 1))
        assert one_over.status_code == 413
        assert one_over.json()["detail"]["field"] == "file"
        assert one_over.json()["detail"]["limit_bytes"] == MIB
        assert client.get("/files/kept/download").content == b"small"

        far_over = upload(client, "big", b"x" * (3 * MIB))
        assert far_over.status_code == 413
        streamed = GeneratedUpload(3 * MIB)
        chunked = client.post("/files/big/upload", content=streamed.body(), headers=streamed.headers)
        assert chunked.status_code == 413
        assert client.head("/files/big").status_code == 404
    assert staging_files(server) == []
