"""Signed download URLs: what they look like, and that every change to one invalidates it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from pragma_os.files import ExpiredSignatureError, InvalidSignatureError, sign_download_url, verify_download

KEY = b"k" * 32
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def parts(url: str) -> tuple[str, dict[str, str]]:
    split = urlsplit(url)
    return split.path, {key: values[0] for key, values in parse_qs(split.query).items()}


def test_url_is_absolute_and_carries_org_expiry_and_token() -> None:
    url = sign_download_url(KEY, "https://pragma.example/", "org_1", "my report.pdf", LATER)
    path, query = parts(url)
    assert url.startswith("https://pragma.example/files/my%20report.pdf/download?")
    assert path == "/files/my%20report.pdf/download"
    assert query["org"] == "org_1"
    assert query["expires"] == str(int(LATER.timestamp()))
    assert len(query["token"]) == 43  # 32 bytes of URL-safe base64, unpadded
    assert "=" not in query["token"]
    verify_download(KEY, "org_1", "my report.pdf", int(query["expires"]), query["token"], now=NOW)


def test_a_slash_in_the_name_is_encoded_into_one_segment() -> None:
    assert "/files/a%2Fb/download" in sign_download_url(KEY, "http://x", "org_1", "a/b", LATER)


@pytest.mark.parametrize(
    ("key", "org", "name", "delta", "tamper"),
    [
        (b"other-key", "org_1", "f", 0, False),
        (KEY, "org_2", "f", 0, False),
        (KEY, "org_1", "g", 0, False),
        (KEY, "org_1", "f", 1, False),
        (KEY, "org_1", "f", 0, True),
    ],
    ids=["other key", "other org", "other name", "other expiry", "altered token"],
)
def test_any_change_makes_the_signature_invalid(
    key: bytes, org: str, name: str, delta: int, tamper: bool
) -> None:
    _, query = parts(sign_download_url(KEY, "http://x", "org_1", "f", LATER))
    token = query["token"]
    if tamper:
        token = ("A" if token[0] != "A" else "B") + token[1:]
    with pytest.raises(InvalidSignatureError) as refused:
        verify_download(key, org, name, int(query["expires"]) + delta, token, now=NOW)
    assert not isinstance(refused.value, ExpiredSignatureError)
    assert refused.value.status_code == 403


def test_a_non_ascii_token_is_refused_not_crashed_on() -> None:
    with pytest.raises(InvalidSignatureError):
        verify_download(KEY, "org_1", "f", int(LATER.timestamp()), "é" * 43, now=NOW)


def test_a_valid_signature_past_its_expiry_is_expired() -> None:
    _, query = parts(sign_download_url(KEY, "http://x", "org_1", "f", LATER))
    with pytest.raises(ExpiredSignatureError) as expired:
        verify_download(KEY, "org_1", "f", int(query["expires"]), query["token"], now=LATER)
    assert expired.value.status_code == 403
    assert "expired" in expired.value.message
