"""Safe extraction of a pushed provider archive (a gzipped tarball) into a build directory.

The first step of a build: members are written one by one, each checked against the rules
below, so nothing lands outside the destination whatever the archive claims.

Rules: only regular files, directories and symbolic links that stay inside the destination;
no absolute paths, no ``..``, no hard links, devices, FIFOs or sparse files; limits on the
compressed size, the unpacked size (counted on the bytes actually written) and the number of
members.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pragma_os.builds.errors import MissingPyprojectError, UnsafeArchiveError

MiB = 1024 * 1024

_CHUNK = 64 * 1024
# Room for tar headers, padding and long-name records in the decompressed stream, per member;
# file data itself is held to ``max_unpacked_bytes``.
_HEADER_ALLOWANCE = 8 * 1024
_SHOWN_NAME_LENGTH = 120


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps on a pushed archive.

    Attributes:
        max_compressed_bytes: Size of the gzipped upload.
        max_unpacked_bytes: Total size of the files it unpacks to.
        max_members: Number of members (files, directories and links).
    """

    max_compressed_bytes: int = 50 * MiB
    max_unpacked_bytes: int = 200 * MiB
    max_members: int = 10_000


@dataclass(frozen=True)
class ExtractedArchive:
    """What an archive unpacked to.

    Attributes:
        destination: The directory everything was written into.
        project_root: The directory holding ``pyproject.toml``: ``destination`` itself, or the
            archive's single top-level directory.
        members: Number of members written (files, directories and links).
        unpacked_bytes: Total size of the files written.
    """

    destination: Path
    project_root: Path
    members: int
    unpacked_bytes: int


def extract_archive(
    source: Path | BinaryIO, destination: Path, limits: ArchiveLimits | None = None
) -> ExtractedArchive:
    """Unpack a gzipped tarball into ``destination`` and find the project in it.

    Args:
        source: The archive, as a file path or a binary stream (read up to the end of the
            archive, not closed).
        destination: A new or empty directory; created with its parents when missing.
        limits: Size and count caps; ``ArchiveLimits()`` when omitted.

    Returns:
        Where the project is and how much was unpacked.

    Raises:
        UnsafeArchiveError: The upload is not a gzipped tarball, or a member breaks a rule or a
            limit; the message names the member and the rule. Nothing stays extracted.
        MissingPyprojectError: No ``pyproject.toml`` at the top of the archive nor in its single
            top-level directory. Nothing stays extracted.
        ValueError: ``destination`` exists and is not an empty directory.
    """
    limits = limits or ArchiveLimits()
    existed = destination.exists()
    if existed and (not destination.is_dir() or any(destination.iterdir())):
        raise ValueError(f"{destination} must be a new or empty directory")
    destination.mkdir(parents=True, exist_ok=True)
    try:
        if isinstance(source, Path):
            if source.stat().st_size > limits.max_compressed_bytes:
                raise _compressed_too_large(limits)
            with source.open("rb") as stream:
                extracted = _Extraction(destination, limits).run(stream)
        else:
            extracted = _Extraction(destination, limits).run(source)
        return ExtractedArchive(
            destination=destination,
            project_root=_project_root(destination),
            members=extracted.members,
            unpacked_bytes=extracted.unpacked_bytes,
        )
    except BaseException:
        _remove_contents(destination, keep_directory=existed)
        raise


class _LimitedReader:
    """A read-only stream that counts what passes through and stops past a limit."""

    def __init__(self, stream: BinaryIO | gzip.GzipFile, limit: int, error: UnsafeArchiveError) -> None:
        self._stream = stream
        self._limit = limit
        self._error = error
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        # Never ask for more than one byte past the limit, so a huge stream is not buffered.
        allowed = self._limit - self.count + 1
        data = self._stream.read(allowed if size < 0 else min(size, allowed))
        self.count += len(data)
        if self.count > self._limit:
            raise self._error
        return data

    # The rest of the file protocol gzip and tarfile declare; a forward-only stream has none of it.
    def seek(self, _position: int, /) -> int:
        raise io.UnsupportedOperation("seek")

    def write(self, _data: bytes, /) -> int:
        raise io.UnsupportedOperation("write")

    def tell(self) -> int:
        return self.count

    def close(self) -> None:
        """The wrapped stream belongs to the caller."""


class _Extraction:
    """One extraction run: walks the tar stream and writes each member after checking it."""

    def __init__(self, destination: Path, limits: ArchiveLimits) -> None:
        self.root = Path(os.path.realpath(destination))
        self.limits = limits
        self.members = 0
        self.unpacked_bytes = 0
        self._symlinks: list[tuple[str, Path]] = []

    def run(self, stream: BinaryIO) -> _Extraction:
        limits = self.limits
        compressed = _LimitedReader(stream, limits.max_compressed_bytes, _compressed_too_large(limits))
        try:
            with gzip.GzipFile(fileobj=compressed, mode="rb") as unzipped:
                tar_stream = _LimitedReader(
                    unzipped,
                    limits.max_unpacked_bytes + _HEADER_ALLOWANCE * (limits.max_members + 1),
                    _unpacked_too_large(limits),
                )
                with tarfile.open(fileobj=tar_stream, mode="r|") as tar:
                    for member in tar:
                        self._member(tar, member)
        except UnsafeArchiveError:
            raise
        except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
            raise UnsafeArchiveError(f"the upload is not a valid gzipped tarball: {_reason(error)}") from None
        self._check_symlinks()
        return self

    def _member(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise UnsafeArchiveError(
                f"the archive holds more than {self.limits.max_members} members (the limit)"
            )
        if "\x00" in member.name or "\x00" in member.linkname:
            raise _refused(member, "has a NUL character in its name or link target; not allowed")
        parts = self._parts(member.name)
        if not parts:
            if member.isdir():
                return  # the archive's own "./" entry
            raise UnsafeArchiveError(f"archive member {_shown(member.name)} has no usable name")
        try:
            if member.issparse():
                raise _refused(member, "is a sparse file; sparse files are not allowed")
            if member.isreg():
                self._file(tar, member, parts)
            elif member.isdir():
                self._directory(member, parts)
            elif member.issym():
                self._symlink(member, parts)
            elif member.islnk():
                raise _refused(member, "is a hard link; hard links are not allowed")
            elif member.ischr() or member.isblk():
                raise _refused(member, "is a device file; device files are not allowed")
            elif member.isfifo():
                raise _refused(member, "is a FIFO; FIFOs are not allowed")
            else:
                raise _refused(member, "has an unsupported type; only files, directories and links")
        except (gzip.BadGzipFile, EOFError, zlib.error):
            raise  # the stream is broken, not this member
        except FileExistsError:
            raise _refused(member, "appears twice or clashes with another member") from None
        except (NotADirectoryError, IsADirectoryError):
            raise _refused(member, "clashes with another member (a file where a directory is)") from None
        except OSError as error:
            raise _refused(member, f"cannot be unpacked: {error.strerror or error}") from None

    @staticmethod
    def _parts(name: str) -> list[str]:
        if name.startswith("/"):
            raise UnsafeArchiveError(
                f"archive member {_shown(name)} has an absolute path; paths must be relative"
            )
        parts = [part for part in name.split("/") if part not in ("", ".")]
        if ".." in parts:
            raise UnsafeArchiveError(f"archive member {_shown(name)} has a '..' component; not allowed")
        return parts

    def _directories(self, member: tarfile.TarInfo, parts: list[str]) -> Path:
        """Create the directories ``parts`` (following links that stay inside); return the real path."""
        current = self.root
        for part in parts:
            candidate = current / part
            if candidate.is_symlink():
                target = Path(os.path.realpath(candidate))
                if not self._inside(target) or not target.is_dir():
                    raise _refused(member, "goes through a link that leaves the archive")
                current = target
            elif candidate.exists():
                if not candidate.is_dir():
                    raise _refused(member, "clashes with another member (a file where a directory is)")
                current = candidate
            else:
                candidate.mkdir(mode=0o755)
                current = candidate
        return current

    def _file(self, tar: tarfile.TarFile, member: tarfile.TarInfo, parts: list[str]) -> None:
        if self.unpacked_bytes + member.size > self.limits.max_unpacked_bytes:
            raise _unpacked_too_large(self.limits)
        parent = self._directories(member, parts[:-1])
        mode = 0o755 if member.mode & 0o100 else 0o644
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        data = tar.extractfile(member)
        if data is None:  # pragma: no cover - a regular member always has a data stream
            raise _refused(member, "has no data")
        with data, os.fdopen(os.open(parent / parts[-1], flags, mode), "wb") as target:
            # Counted on what is actually written, not on the header's claim.
            while chunk := data.read(_CHUNK):
                self.unpacked_bytes += len(chunk)
                if self.unpacked_bytes > self.limits.max_unpacked_bytes:
                    raise _unpacked_too_large(self.limits)
                target.write(chunk)

    def _directory(self, member: tarfile.TarInfo, parts: list[str]) -> None:
        self._directories(member, parts)

    def _symlink(self, member: tarfile.TarInfo, parts: list[str]) -> None:
        target = member.linkname
        if not target or target.startswith("/"):
            raise _refused(member, f"is a link to {_shown(target)} outside the archive; not allowed")
        parent = self._directories(member, parts[:-1])
        if not self._inside(Path(os.path.realpath(parent / target))):
            raise _refused(member, f"is a link to {_shown(target)} outside the archive; not allowed")
        link = parent / parts[-1]
        os.symlink(target, link)
        self._symlinks.append((member.name, link))

    def _check_symlinks(self) -> None:
        # A link checked when written can leave the tree once a later member turns one of the
        # directories on its way into another link; check them all again at the end.
        for name, link in self._symlinks:
            if not self._inside(Path(os.path.realpath(link))):
                raise UnsafeArchiveError(
                    f"archive member {_shown(name)} is a link to {_shown(os.readlink(link))} "
                    "outside the archive; not allowed"
                )

    def _inside(self, path: Path) -> bool:
        return path == self.root or path.is_relative_to(self.root)


def _project_root(destination: Path) -> Path:
    if (destination / "pyproject.toml").is_file():
        return destination
    # macOS tar adds "._name" metadata entries; hidden entries never hold the project.
    entries = [entry for entry in destination.iterdir() if not entry.name.startswith(".")]
    if len(entries) == 1 and not entries[0].is_symlink() and (entries[0] / "pyproject.toml").is_file():
        return entries[0]
    raise MissingPyprojectError(
        "no pyproject.toml at the top of the archive (nor in its single top-level directory)"
    )


def _remove_contents(destination: Path, *, keep_directory: bool) -> None:
    if not keep_directory:
        shutil.rmtree(destination, ignore_errors=True)
        return
    for entry in destination.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()


def _refused(member: tarfile.TarInfo, rule: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(f"archive member {_shown(member.name)} {rule}")


def _compressed_too_large(limits: ArchiveLimits) -> UnsafeArchiveError:
    return UnsafeArchiveError(
        f"the archive is larger than {_size(limits.max_compressed_bytes)} compressed (the limit)"
    )


def _unpacked_too_large(limits: ArchiveLimits) -> UnsafeArchiveError:
    return UnsafeArchiveError(
        f"the archive unpacks to more than {_size(limits.max_unpacked_bytes)} (the limit)"
    )


def _size(count: int) -> str:
    return f"{count // MiB} MiB" if count % MiB == 0 else f"{count} bytes"


def _shown(name: str) -> str:
    shown = repr(name)
    return shown if len(shown) <= _SHOWN_NAME_LENGTH else shown[: _SHOWN_NAME_LENGTH - 4] + "...'"


def _reason(error: BaseException) -> str:
    if isinstance(error, gzip.BadGzipFile):
        return "not gzip data"
    if isinstance(error, EOFError):
        return "the data ends too early"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text
