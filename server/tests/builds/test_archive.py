"""Safe extraction of pushed archives: every rejection rule, the limits, and the accepted layouts.

Archives are crafted with ``tarfile`` (links, devices and FIFOs as raw ``TarInfo`` types);
each rejection also checks that nothing was left behind, inside or outside the destination.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from pragma_os.builds import (
    ArchiveLimits,
    MissingPyprojectError,
    UnsafeArchiveError,
    extract_archive,
)

PYPROJECT = b'[project]\nname = "demo"\nversion = "0.1.0"\n'

Member = tuple[tarfile.TarInfo, bytes | None]


def entry(name: str, kind: bytes = tarfile.REGTYPE, *, data: bytes = b"", link: str = "") -> Member:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    if kind == tarfile.REGTYPE:
        info.size = len(data)
        return info, data
    return info, None


def tarball(path: Path, members: list[Member], *, compress: bool = True) -> Path:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    path.write_bytes(gzip.compress(raw.getvalue()) if compress else raw.getvalue())
    return path


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A directory holding only the destination, so anything written beside it shows."""
    (tmp_path / "box").mkdir()
    return tmp_path / "box"


def reject(box: Path, members: list[Member], limits: ArchiveLimits | None = None) -> str:
    archive = tarball(box.parent / "upload.tgz", members)
    with pytest.raises(UnsafeArchiveError) as caught:
        extract_archive(archive, box / "dest", limits)
    assert_nothing_left(box)
    return caught.value.message


def assert_nothing_left(box: Path) -> None:
    assert list(box.iterdir()) == []
    assert sorted(path.name for path in box.parent.iterdir()) == ["box", "upload.tgz"]


def test_rejects_an_absolute_path(box: Path) -> None:
    target = box.parent / "evil-absolute"
    message = reject(box, [entry("pyproject.toml", data=PYPROJECT), entry(str(target), data=b"x")])
    assert str(target) in message
    assert "absolute path" in message
    assert not target.exists()


def test_rejects_a_dotdot_component(box: Path) -> None:
    message = reject(box, [entry("proj/pyproject.toml", data=PYPROJECT), entry("proj/../../evil", data=b"x")])
    assert "'proj/../../evil'" in message
    assert "'..'" in message


@pytest.mark.parametrize("target", ["../../outside", "/etc/passwd", "sub/../../.."])
def test_rejects_a_symlink_leaving_the_destination(box: Path, target: str) -> None:
    message = reject(
        box, [entry("pyproject.toml", data=PYPROJECT), entry("link", tarfile.SYMTYPE, link=target)]
    )
    assert "'link'" in message
    assert "outside the archive" in message


def test_rejects_a_symlink_that_leaves_once_a_later_link_appears(box: Path) -> None:
    # "x -> y/../a" stays inside while y is missing; "y -> ." then makes x point above the root.
    message = reject(
        box,
        [
            entry("pyproject.toml", data=PYPROJECT),
            entry("x", tarfile.SYMTYPE, link="y/../a"),
            entry("y", tarfile.SYMTYPE, link="."),
        ],
    )
    assert "'x'" in message
    assert "outside the archive" in message


def test_rejects_writing_through_a_link_to_a_directory_outside(box: Path) -> None:
    outside = box.parent / "outside"
    outside.mkdir()
    archive = tarball(
        box.parent / "upload.tgz",
        [entry("sub", tarfile.DIRTYPE), entry("sub/up", tarfile.SYMTYPE, link="../..")],
    )
    with pytest.raises(UnsafeArchiveError, match=r"'sub/up' is a link to '\.\./\.\.' outside the archive"):
        extract_archive(archive, box / "dest")
    assert list(box.iterdir()) == []
    assert list(outside.iterdir()) == []


def test_rejects_a_hard_link(box: Path) -> None:
    message = reject(
        box,
        [
            entry("pyproject.toml", data=PYPROJECT),
            entry("copy", tarfile.LNKTYPE, link="pyproject.toml"),
        ],
    )
    assert message == "archive member 'copy' is a hard link; hard links are not allowed"


@pytest.mark.parametrize(
    ("kind", "rule"),
    [
        (tarfile.CHRTYPE, "is a device file"),
        (tarfile.BLKTYPE, "is a device file"),
        (tarfile.FIFOTYPE, "is a FIFO"),
    ],
)
def test_rejects_devices_and_fifos(box: Path, kind: bytes, rule: str) -> None:
    message = reject(box, [entry("pyproject.toml", data=PYPROJECT), entry("proj/special", kind)])
    assert message.startswith(f"archive member 'proj/special' {rule}")


def test_rejects_an_archive_over_the_compressed_limit(box: Path) -> None:
    noise = os.urandom(4000)  # incompressible
    message = reject(
        box,
        [entry("pyproject.toml", data=PYPROJECT), entry("noise", data=noise)],
        ArchiveLimits(max_compressed_bytes=2000),
    )
    assert message == "the archive is larger than 2000 bytes compressed (the limit)"


def test_counts_the_compressed_size_of_a_stream(box: Path) -> None:
    archive = tarball(box.parent / "upload.tgz", [entry("noise", data=os.urandom(4000))])
    with archive.open("rb") as stream, pytest.raises(UnsafeArchiveError, match="larger than 2000 bytes"):
        extract_archive(stream, box / "dest", ArchiveLimits(max_compressed_bytes=2000))
    assert list(box.iterdir()) == []


def test_rejects_a_gzip_bomb_over_the_unpacked_limit(box: Path) -> None:
    zeros = bytes(1024 * 1024)  # a 1 MiB member that compresses to about a kilobyte
    message = reject(
        box,
        [entry("pyproject.toml", data=PYPROJECT), entry("bomb", data=zeros)],
        ArchiveLimits(max_unpacked_bytes=64 * 1024),
    )
    assert message == "the archive unpacks to more than 65536 bytes (the limit)"


def test_counts_the_unpacked_size_across_members(box: Path) -> None:
    members = [entry(f"part{index}", data=bytes(300)) for index in range(4)]
    message = reject(box, members, ArchiveLimits(max_unpacked_bytes=1000))
    assert message == "the archive unpacks to more than 1000 bytes (the limit)"


def test_counts_the_tar_stream_itself_not_only_file_sizes(box: Path) -> None:
    # A 200 KB long-name record holds no file data, yet tarfile would buffer all of it.
    message = reject(
        box, [entry("a" * 200_000, data=b"")], ArchiveLimits(max_unpacked_bytes=1024, max_members=1)
    )
    assert message == "the archive unpacks to more than 1024 bytes (the limit)"


def test_rejects_too_many_members(box: Path) -> None:
    members = [entry("pyproject.toml", data=PYPROJECT)] + [
        entry(f"f{index}", data=b"x") for index in range(5)
    ]
    message = reject(box, members, ArchiveLimits(max_members=3))
    assert message == "the archive holds more than 3 members (the limit)"


def test_rejects_a_plain_tar(box: Path) -> None:
    archive = tarball(box.parent / "upload.tgz", [entry("pyproject.toml", data=PYPROJECT)], compress=False)
    with pytest.raises(UnsafeArchiveError) as caught:
        extract_archive(archive, box / "dest")
    assert caught.value.message == "the upload is not a valid gzipped tarball: not gzip data"
    assert_nothing_left(box)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"garbage, not an archive at all" * 10, id="garbage"),
        pytest.param(gzip.compress(b"gzip of something that is not a tar" * 40), id="gzip-not-tar"),
        pytest.param(b"", id="empty"),
    ],
)
def test_rejects_data_that_is_not_a_gzipped_tarball(box: Path, content: bytes) -> None:
    (box.parent / "upload.tgz").write_bytes(content)
    with pytest.raises(UnsafeArchiveError) as caught:
        extract_archive(box.parent / "upload.tgz", box / "dest")
    assert caught.value.message.startswith("the upload is not a valid gzipped tarball: ")
    assert "\n" not in caught.value.message
    assert_nothing_left(box)


def test_rejects_a_truncated_archive(box: Path) -> None:
    archive = tarball(box.parent / "upload.tgz", [entry("noise", data=os.urandom(20_000))])
    archive.write_bytes(archive.read_bytes()[:8000])
    with pytest.raises(UnsafeArchiveError, match="not a valid gzipped tarball"):
        extract_archive(archive, box / "dest")
    assert_nothing_left(box)


def test_rejects_a_member_given_twice(box: Path) -> None:
    message = reject(box, [entry("pyproject.toml", data=PYPROJECT), entry("pyproject.toml", data=b"")])
    assert message == "archive member 'pyproject.toml' appears twice or clashes with another member"


def test_names_in_messages_are_escaped(box: Path) -> None:
    message = reject(box, [entry("evil\nname", tarfile.FIFOTYPE)])
    assert "\n" not in message
    assert "'evil\\nname'" in message


def test_rejects_a_nul_character_in_a_name(box: Path) -> None:
    # Only a PAX record can carry one; it would reach os.open as an invalid path.
    message = reject(box, [entry("a" * 120 + "\x00b", data=b"x")])
    assert "has a NUL character" in message


def test_an_archive_without_pyproject_is_refused_and_removed(box: Path) -> None:
    archive = tarball(box.parent / "upload.tgz", [entry("proj/setup.py", data=b"")])
    with pytest.raises(MissingPyprojectError, match=r"no pyproject\.toml at the top of the archive"):
        extract_archive(archive, box / "dest")
    assert_nothing_left(box)


def test_a_failed_extraction_empties_an_existing_destination_but_keeps_it(box: Path) -> None:
    (box / "dest").mkdir()
    archive = tarball(box.parent / "upload.tgz", [entry("a", data=b"x"), entry("b", tarfile.FIFOTYPE)])
    with pytest.raises(UnsafeArchiveError):
        extract_archive(archive, box / "dest")
    assert list((box / "dest").iterdir()) == []


def test_refuses_a_destination_that_is_not_empty(box: Path) -> None:
    (box / "dest").mkdir()
    (box / "dest" / "left-over").write_text("x")
    archive = tarball(box.parent / "upload.tgz", [entry("pyproject.toml", data=PYPROJECT)])
    with pytest.raises(ValueError, match="must be a new or empty directory"):
        extract_archive(archive, box / "dest")


def test_extracts_a_project_in_one_top_level_directory(tmp_path: Path) -> None:
    project = tmp_path / "myproj"
    (project / "src" / "demo").mkdir(parents=True)
    (project / "pyproject.toml").write_bytes(PYPROJECT)
    (project / "src" / "demo" / "__init__.py").write_text("VALUE = 1\n")
    (project / "run.sh").write_text("#!/bin/sh\n")
    (project / "run.sh").chmod(0o755)
    (project / "README.md").symlink_to("src/demo/__init__.py")
    archive = tmp_path / "upload.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(project, arcname="myproj")

    extracted = extract_archive(archive, tmp_path / "dest")

    root = tmp_path / "dest" / "myproj"
    assert extracted.project_root == root
    assert extracted.members == 7
    assert (root / "src" / "demo" / "__init__.py").read_text() == "VALUE = 1\n"
    assert (root / "README.md").is_symlink()
    assert (root / "README.md").read_text() == "VALUE = 1\n"
    assert stat.S_IMODE((root / "run.sh").stat().st_mode) == 0o755
    assert stat.S_IMODE((root / "pyproject.toml").stat().st_mode) == 0o644
    assert extracted.unpacked_bytes == len(PYPROJECT) + len("VALUE = 1\n") + len("#!/bin/sh\n")


def test_extracts_a_flat_project_from_a_stream(tmp_path: Path) -> None:
    members = [
        entry("./", tarfile.DIRTYPE),
        entry("./pyproject.toml", data=PYPROJECT),
        entry("./demo/__init__.py", data=b""),
        entry("./._pyproject.toml", data=b"macOS metadata"),
    ]
    archive = tarball(tmp_path / "upload.tgz", members)
    with archive.open("rb") as stream:
        extracted = extract_archive(stream, tmp_path / "dest")
    assert extracted.project_root == tmp_path / "dest"
    assert (tmp_path / "dest" / "demo" / "__init__.py").exists()


def test_a_single_top_level_directory_beside_hidden_entries_is_the_project(tmp_path: Path) -> None:
    members = [entry("._myproj", data=b"macOS metadata"), entry("myproj/pyproject.toml", data=PYPROJECT)]
    extracted = extract_archive(tarball(tmp_path / "upload.tgz", members), tmp_path / "dest")
    assert extracted.project_root == tmp_path / "dest" / "myproj"
