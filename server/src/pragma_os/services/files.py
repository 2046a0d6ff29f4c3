"""File use cases: upload, metadata, download, signed download URLs, delete.

Every call is scoped to one organization: another organization's file answers 404 like one
that does not exist. A download by signed URL takes its organization from the verified URL.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pragma_os.errors import InvalidInputError, NotFoundError
from pragma_os.files import (
    FileStorage,
    InvalidSignatureError,
    StoredFile,
    check_file_name,
    download_url,
    sign_download_url,
    verify_download,
)

Row = dict[str, Any]
Found = TypeVar("Found")

DEFAULT_URL_SECONDS = 3600
MAX_URL_SECONDS = 7 * 24 * 3600
CONTENT_TYPE_MAX_LENGTH = 255
CONTENT_TYPE_RULE = (
    "must be a media type such as 'application/pdf' (type/subtype, optional parameters), "
    f"printable ASCII, at most {CONTENT_TYPE_MAX_LENGTH} characters"
)
_CONTENT_TYPE = re.compile(r"[!-~]+/[ -~]+")


@dataclass(frozen=True)
class FilePlatform:
    """What the file use cases work with."""

    storage: FileStorage
    signing_key: bytes
    api_url: str
    max_file_bytes: int


def checked_name(name: str) -> str:
    """``name`` when it is a valid file name; 422 naming the field ``name`` otherwise."""
    return check_file_name(name)


def checked_content_type(content_type: str) -> str:
    """``content_type`` when it can be sent back as a header; 422 naming ``content_type`` otherwise."""
    if len(content_type) > CONTENT_TYPE_MAX_LENGTH or not _CONTENT_TYPE.fullmatch(content_type):
        raise InvalidInputError("content_type", CONTENT_TYPE_RULE)
    return content_type


def signed_url(platform: FilePlatform, organization_id: str, name: str, expires_in: int) -> Row:
    """A ``SignedUrlResponse`` for a file the caller already knows exists."""
    expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
    url = sign_download_url(platform.signing_key, platform.api_url, organization_id, name, expires_at)
    return {"url": url, "expires_in": expires_in, "expires_at": expires_at}


def file_metadata(platform: FilePlatform, organization_id: str, stored: StoredFile) -> Row:
    """The ``FileMetadata`` of a stored file; ``public_url`` is signed for ``DEFAULT_URL_SECONDS``."""
    return {
        "url": download_url(platform.api_url, stored.name),
        "public_url": signed_url(platform, organization_id, stored.name, DEFAULT_URL_SECONDS)["url"],
        "size": stored.size,
        "content_type": stored.content_type,
        "checksum": stored.checksum,
        "uploaded_at": stored.uploaded_at,
    }


async def upload(
    platform: FilePlatform, organization_id: str, name: str, content_type: str, chunks: AsyncIterator[bytes]
) -> Row:
    """Store ``chunks`` as the organization's file ``name``, replacing any earlier one; ``FileMetadata``.

    Raises:
        InvalidInputError: The name or content type breaks its rule.
        PayloadTooLargeError: The content is larger than ``max_file_bytes`` (nothing is stored).
    """
    stored = await platform.storage.write(
        organization_id,
        checked_name(name),
        chunks,
        checked_content_type(content_type),
        platform.max_file_bytes,
    )
    return file_metadata(platform, organization_id, stored)


async def stat(platform: FilePlatform, organization_id: str, name: str) -> StoredFile:
    """The stored file's metadata.

    Raises:
        NotFoundError: The organization has no file of that name.
    """
    return _existing(await platform.storage.stat(organization_id, checked_name(name)), name)


async def open_download(
    platform: FilePlatform, organization_id: str, name: str
) -> tuple[StoredFile, AsyncIterator[bytes]]:
    """The file's metadata and content, consistent with each other even during a replace.

    Raises:
        NotFoundError: The organization has no file of that name.
    """
    return _existing(await platform.storage.open(organization_id, checked_name(name)), name)


def signed_organization(
    platform: FilePlatform, name: str, organization_id: str | None, expires: int | None, token: str | None
) -> str:
    """The organization a signed download URL was made for, once its signature checks out.

    Raises:
        InvalidSignatureError: A parameter is missing or the signature does not match (403).
        ExpiredSignatureError: The URL has expired (403).
    """
    if organization_id is None or expires is None or token is None:
        raise InvalidSignatureError("A signed download link needs its org, expires and token parameters.")
    verify_download(platform.signing_key, organization_id, checked_name(name), expires, token)
    return organization_id


async def delete(platform: FilePlatform, organization_id: str, name: str) -> bool:
    """Remove the file's content; whether there was one (deleting twice is not an error)."""
    return await platform.storage.delete(organization_id, checked_name(name))


def _existing(found: Found | None, name: str) -> Found:
    """What storage found for file ``name``; its ``None`` (no such file) is a 404."""
    if found is None:
        raise NotFoundError(f"File '{name}' not found.", field="name")
    return found
