"""The archive ``push_provider`` stores: a base64 tarball as sent, or one made of given files.

An assistant with a shell can send ``tar czf - . | base64``; one without can send the
project's files as text, which are packed here into the gzipped tarball a push takes. The
build's own extraction checks every member again (paths, links, sizes).
"""

from __future__ import annotations

import binascii
import io
import tarfile
from base64 import b64decode
from pathlib import PurePosixPath

from pragma_os.errors import InvalidInputError, PayloadTooLargeError

MAX_FILES = 1000
FILE_PATH_RULE = "each key must be a relative path inside the project ('pyproject.toml', 'src/pkg/x.py')"


def pushed_archive(code: str | None, files: dict[str, str] | None, limit: int) -> bytes:
    """The gzipped tarball of exactly one of ``code`` (base64) and ``files`` (path: text).

    Raises:
        InvalidInputError: Neither or both are given, ``code`` is not base64, or a path is
            not a relative one inside the project.
        PayloadTooLargeError: The archive would exceed ``limit`` bytes.
    """
    if (code is None) == (files is None):
        raise InvalidInputError("code", "give exactly one of code (a base64 tarball) and files")
    if code is not None:
        if len(code) > (limit // 3 + 1) * 4 + 4:
            raise PayloadTooLargeError(f"code: the archive is over the push limit of {limit} bytes.")
        try:
            return b64decode(code.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInputError("code", "must be the base64 of a gzipped tarball (.tar.gz)") from None
    assert files is not None
    return _tarball(files, limit)


def _tarball(files: dict[str, str], limit: int) -> bytes:
    if not files:
        raise InvalidInputError("files", "must hold at least pyproject.toml and the package's modules")
    if len(files) > MAX_FILES:
        raise InvalidInputError("files", f"at most {MAX_FILES} files")
    buffer = io.BytesIO()
    total = 0
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in sorted(files.items()):
            path = PurePosixPath(name)
            if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
                raise InvalidInputError(f"files[{name!r}]", FILE_PATH_RULE)
            data = text.encode()
            total += len(data)
            if total > limit:
                raise PayloadTooLargeError(f"files: the project is over the push limit of {limit} bytes.")
            member = tarfile.TarInfo(path.as_posix())
            member.size = len(data)
            member.mode = 0o644
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()
