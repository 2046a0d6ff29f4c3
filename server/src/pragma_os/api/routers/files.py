"""``/files``: upload, download (with a token or a signed URL), signed URLs, metadata, delete.

Names are matched with the ``path`` convertor so that a name holding ``/`` (sent as ``%2F``)
reaches the name rule and is refused with 422 naming ``name``, instead of matching no route.
"""

from __future__ import annotations

from email.utils import format_datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from pragma_os.api.deps import (
    CurrentPrincipal,
    FilesDep,
    ServerKeysDep,
    SettingsDep,
    get_user_principal,
)
from pragma_os.api.openapi import (
    AUTHENTICATED_ERRORS,
    BODY_ERRORS,
    FileName,
    error_responses,
    without_bodies,
)
from pragma_os.api.responses import FastJSONResponse
from pragma_os.api.routing import CheckedRoute
from pragma_os.api.uploads import MultipartFile
from pragma_os.files import StoredFile
from pragma_os.services import files
from pragma_os.services.files import DEFAULT_URL_SECONDS, MAX_URL_SECONDS, FilePlatform
from pragma_sdk.models import FileMetadata, SignedUrlResponse

router = APIRouter(prefix="/files", tags=["files"], route_class=CheckedRoute)

UPLOAD_FIELD = "file"
# The body is read by ``MultipartFile``, not by FastAPI, so it is described here by hand.
_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "title": "Body_files-upload_file",
                    "type": "object",
                    "properties": {UPLOAD_FIELD: {"type": "string", "format": "binary", "title": "File"}},
                    "required": [UPLOAD_FIELD],
                }
            }
        },
    }
}
_NOT_FOUND = {404: "No file of that name"}
# Download and HEAD describe the stored file in these headers (and in its Content-Type: the
# one it was uploaded with, application/octet-stream by default).
_FILE_HEADERS = {
    "Content-Length": "The file's size in bytes",
    "ETag": "The SHA-256 checksum, quoted",
    "X-Checksum-Sha256": "The hex SHA-256 of the content",
    "Last-Modified": "When the file was uploaded (HTTP date)",
    "X-Uploaded-At": "When the file was uploaded (ISO 8601)",
    "Content-Disposition": "attachment, with the file's name",
}
_HEADERS = {
    name: {"description": description, "required": True, "schema": {"type": "string"}}
    for name, description in _FILE_HEADERS.items()
}
_CONTENT = {
    "description": "The file's content, sent with the content type it was uploaded with",
    "headers": _HEADERS,
    # Any type the uploader chose; application/octet-stream when it chose none.
    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
}


async def get_file_platform(storage: FilesDep, keys: ServerKeysDep, settings: SettingsDep) -> FilePlatform:
    """Storage, signing key, public URL and size limit, for the file use cases."""
    return FilePlatform(storage, keys.signing_key, settings.external_url, settings.max_file_bytes)


FilePlatformDep = Annotated[FilePlatform, Depends(get_file_platform)]


def file_headers(stored: StoredFile) -> dict[str, str]:
    """Headers describing a stored file, for downloads and ``HEAD``."""
    fallback = "".join(char if " " <= char <= "~" and char not in '"\\' else "_" for char in stored.name)
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(stored.name, safe='')}"
    return {
        "Content-Type": stored.content_type,
        "Content-Length": str(stored.size),
        "ETag": f'"{stored.checksum}"',
        "X-Checksum-Sha256": stored.checksum,
        "Last-Modified": format_datetime(stored.uploaded_at, usegmt=True),
        "X-Uploaded-At": stored.uploaded_at.isoformat(),
        "Content-Disposition": disposition,
        # The content type is the uploader's choice: never let a browser render it as our page.
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
        "Cache-Control": "private, no-cache",
    }


@router.post(
    "/{name:path}/upload",
    response_model=FileMetadata,
    openapi_extra=_UPLOAD_BODY,
    responses=error_responses(
        *AUTHENTICATED_ERRORS,
        400,
        *BODY_ERRORS,
        descriptions={
            400: "The upload was cut off before its end",
            413: "The file is over PRAGMA_MAX_FILE_BYTES (limit_bytes)",
        },
    ),
)
async def upload_file(
    name: FileName, request: Request, platform: FilePlatformDep, principal: CurrentPrincipal
) -> FastJSONResponse:
    """Store the multipart part ``file`` as ``name``, replacing an earlier upload of that name.

    The part's Content-Type is kept (default ``application/octet-stream``). 413 when the file is
    larger than ``PRAGMA_MAX_FILE_BYTES``. Track the file with a ``pragma/file`` resource.
    """
    files.checked_name(name)
    upload = MultipartFile(request, UPLOAD_FIELD)
    await upload.start()
    metadata = await files.upload(
        platform, principal.organization_id, name, upload.content_type, upload.chunks()
    )
    return FastJSONResponse(metadata)


@router.get(
    "/{name:path}/download",
    response_class=StreamingResponse,
    responses={
        200: _CONTENT,
        **error_responses(
            *AUTHENTICATED_ERRORS,
            404,
            descriptions={
                **_NOT_FOUND,
                401: "Neither a valid token nor the parameters of a signed URL",
                403: "A signed URL that was altered, has expired, or lacks one of its parameters",
            },
        ),
    },
    # A bearer token, or none with the parameters of a signed URL.
    openapi_extra={"security": [{"HTTPBearer": []}, {}]},
)
async def download_file(
    name: FileName,
    request: Request,
    platform: FilePlatformDep,
    token: Annotated[str | None, Query(description="Signature of a signed download URL")] = None,
    expires: Annotated[
        int | None, Query(description="Expiry of a signed download URL (Unix seconds)")
    ] = None,
    org: Annotated[str | None, Query(description="Organization of a signed download URL")] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> StreamingResponse:
    """The file's content: with a bearer token, or with the parameters of a signed URL and no token."""
    files.checked_name(name)
    if token is not None or expires is not None or org is not None:
        organization_id = files.signed_organization(platform, name, org, expires, token)
    else:
        organization_id = (await get_user_principal(request, authorization=authorization)).organization_id
    stored, content = await files.open_download(platform, organization_id, name)
    return StreamingResponse(content, headers=file_headers(stored))


@router.get(
    "/{name:path}/url",
    response_model=SignedUrlResponse,
    responses=error_responses(*AUTHENTICATED_ERRORS, 404, descriptions=_NOT_FOUND),
)
async def get_download_url(
    name: FileName,
    platform: FilePlatformDep,
    principal: CurrentPrincipal,
    expires_in: Annotated[
        int, Query(ge=1, le=MAX_URL_SECONDS, description="Seconds the URL stays valid (at most 7 days)")
    ] = DEFAULT_URL_SECONDS,
) -> FastJSONResponse:
    """A signed URL that downloads the file without a token until it expires (default: an hour)."""
    await files.stat(platform, principal.organization_id, name)
    return FastJSONResponse(files.signed_url(platform, principal.organization_id, name, expires_in))


@router.head(
    "/{name:path}",
    response_class=Response,
    responses={
        200: {"description": "The file exists; its metadata is in the headers", "headers": _HEADERS},
        **without_bodies(error_responses(*AUTHENTICATED_ERRORS, 404, descriptions=_NOT_FOUND)),
    },
)
async def check_file_exists(
    name: FileName, platform: FilePlatformDep, principal: CurrentPrincipal
) -> Response:
    """200 with the file's size, type, checksum and upload time in headers; 404 when it does not exist."""
    stored = await files.stat(platform, principal.organization_id, name)
    return Response(headers=file_headers(stored))


@router.delete("/{name:path}", status_code=204, responses=error_responses(*AUTHENTICATED_ERRORS))
async def delete_file(name: FileName, platform: FilePlatformDep, principal: CurrentPrincipal) -> Response:
    """Remove the file's content; 204 even when there was none. A ``pragma/file`` resource stays."""
    await files.delete(platform, principal.organization_id, name)
    return Response(status_code=204)
