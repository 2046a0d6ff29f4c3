"""The file calls (upload, download, signed URLs, metadata, delete), defined once for both clients.

``stream_file`` is with the other streaming calls in ``_streams.py``; it shares
``_file_download_request`` with ``download_file``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from pragma_sdk.client._base import FileContent, RequestBuilder, path_segment, raise_for_status, response_json
from pragma_sdk.client._operation import Call, operation
from pragma_sdk.models import FileInfo, FileMetadata, SignedUrlResponse

DEFAULT_CONTENT_TYPE = "application/octet-stream"
DEFAULT_URL_SECONDS = 3600
# The server answers an upload once the file is safely on its disk, which can take a while
# after the last byte for a file of several GiB.
_UPLOAD_ANSWER_SECONDS = 120.0


class FileCalls(RequestBuilder):
    """Calls of the Files API; mixed into ``PragmaCalls``."""

    def _file_download_request(self, name: str) -> httpx.Request:
        return self._request("GET", f"/files/{path_segment(name)}/download")

    @operation
    def upload_file(
        self, name: str, content: FileContent, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> Call[dict[str, Any]]:
        """Upload a file, replacing an earlier file of the same name.

        After uploading, apply a ``pragma/file`` resource of the same name to track it.

        Args:
            name: The file's name: 1 to 255 bytes, no ``/``, ``\\`` or control characters, not
                starting with ``.``.
            content: The content as bytes, or a binary file object (``open(path, "rb")``),
                which is streamed in chunks rather than read into memory.
            content_type: Its media type, kept and sent back on download.

        Returns:
            The ``FileMetadata`` fields as a dict: ``url`` (download with a token),
            ``public_url`` (signed, works without a token for an hour), ``size``,
            ``content_type``, ``checksum`` (hex SHA-256) and ``uploaded_at``.

        Raises:
            httpx.HTTPStatusError: 422 for a bad name or content type, 413 when the file is
                over the server's size limit.
        """
        timeout = httpx.Timeout(
            self._settings.timeout, read=max(self._settings.timeout, _UPLOAD_ANSWER_SECONDS)
        )
        response = yield self._request(
            "POST",
            f"/files/{path_segment(name)}/upload",
            files={"file": (name, content, content_type)},
            timeout=timeout,
        )
        return FileMetadata.model_validate(response_json(response)).model_dump()

    @operation
    def download_file(self, name: str) -> Call[bytes]:
        """Download a file's content into memory; use ``stream_file`` for large files.

        Raises:
            httpx.HTTPStatusError: 404 when there is no such file.
        """
        response = yield self._file_download_request(name)
        raise_for_status(response)
        return response.content

    @operation
    def get_file_url(self, name: str, expires_in: int = DEFAULT_URL_SECONDS) -> Call[SignedUrlResponse]:
        """Get a signed URL that downloads the file without a token until it expires.

        Args:
            name: The file's name.
            expires_in: How many seconds the URL stays valid (1 to 604800, seven days).

        Raises:
            httpx.HTTPStatusError: 404 when there is no such file.
        """
        params = {"expires_in": expires_in}
        response = yield self._request("GET", f"/files/{path_segment(name)}/url", params=params)
        return SignedUrlResponse.model_validate(response_json(response))

    @operation
    def get_file_metadata(self, name: str) -> Call[FileInfo]:
        """Get a file's size, content type, checksum and upload time without downloading it.

        Raises:
            httpx.HTTPStatusError: 404 when there is no such file.
        """
        response = yield self._request("HEAD", f"/files/{path_segment(name)}")
        raise_for_status(response)
        headers = response.headers
        return FileInfo(
            name=name,
            size=int(headers["Content-Length"]),
            content_type=headers["Content-Type"],
            checksum=headers["X-Checksum-Sha256"],
            uploaded_at=datetime.fromisoformat(headers["X-Uploaded-At"]),
        )

    @operation
    def delete_file(self, name: str) -> Call[None]:
        """Delete a file's content; deleting a file that does not exist is not an error.

        A ``pragma/file`` resource tracking it is not deleted; delete it with ``delete_resource``.
        """
        response = yield self._request("DELETE", f"/files/{path_segment(name)}")
        raise_for_status(response)
        return None
