"""Download URLs; a signed one lets anyone holding it download that file until it expires.

The signature is HMAC-SHA256, keyed with the server's file-URL key, over the organization id,
the file name and the expiry (Unix seconds). Changing any of them, or using another server
key, makes the URL invalid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from pragma_os.files.errors import ExpiredSignatureError, InvalidSignatureError

_PURPOSE = b"pragma-os file download v1"


def url_signature(signing_key: bytes, organization_id: str, name: str, expires: int) -> str:
    """The ``token`` query parameter of a signed URL: URL-safe base64 of the HMAC, unpadded."""
    # NUL cannot occur in organization ids or file names, so the fields cannot run into each other.
    message = b"\0".join((_PURPOSE, organization_id.encode(), name.encode(), str(expires).encode()))
    digest = hmac.new(signing_key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def download_url(api_url: str, name: str) -> str:
    """The absolute URL that downloads ``name`` with a bearer token (the name as one path segment)."""
    return f"{api_url.rstrip('/')}/files/{quote(name, safe='')}/download"


def sign_download_url(
    signing_key: bytes, api_url: str, organization_id: str, name: str, expires_at: datetime
) -> str:
    """An absolute URL that downloads the file without an ``Authorization`` header until ``expires_at``.

    Shape: ``{api_url}/files/{name}/download?org=...&expires=...&token=...``.
    """
    expires = int(expires_at.timestamp())
    query = urlencode(
        {
            "org": organization_id,
            "expires": expires,
            "token": url_signature(signing_key, organization_id, name, expires),
        }
    )
    return f"{download_url(api_url, name)}?{query}"


def verify_download(
    signing_key: bytes,
    organization_id: str,
    name: str,
    expires: int,
    token: str,
    *,
    now: datetime | None = None,
) -> None:
    """Accept a signed URL's parameters, or raise.

    Raises:
        InvalidSignatureError: ``token`` does not sign this organization, name and expiry.
        ExpiredSignatureError: The signature is right but ``expires`` has passed.
    """
    expected = url_signature(signing_key, organization_id, name, expires)
    if not hmac.compare_digest(expected.encode(), token.encode()):
        raise InvalidSignatureError("The download link is not valid: its signature does not match.")
    if (now or datetime.now(UTC)).timestamp() >= expires:
        expired_at = datetime.fromtimestamp(expires, UTC).isoformat()
        raise ExpiredSignatureError(f"The download link expired at {expired_at}; ask for a new one.")
