"""What ``pragma providers push`` packs: ignore rules as in ``.gitignore``."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from pragma_cli.archive import build_archive


def test_archive_leaves_out_caches_environments_and_ignored_files(tmp_path: Path) -> None:
    files = [
        "pyproject.toml", "src/pkg/__init__.py", "src/pkg/__pycache__/x.pyc", "src/pkg/mod.pyc",
        ".venv/bin/python", ".git/HEAD", "dist/pkg.whl", "build/lib/x.py", "pkg.egg-info/PKG-INFO",
        ".env", "notes/draft.md", "notes/keep.md", "data/big.bin", "tests/test_x.py", "docs/build/index.html",
    ]  # fmt: skip
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    (tmp_path / ".gitignore").write_text("# comment\nnotes/\n/data\n")
    (tmp_path / ".pragmaignore").write_text("!notes/\nnotes/draft.md\n")
    (tmp_path / "link.py").symlink_to("/etc/hostname")

    archive = build_archive(tmp_path)

    with tarfile.open(fileobj=io.BytesIO(archive.data), mode="r:gz") as packed:
        members = {member.name for member in packed.getmembers() if member.isfile()}
        owners = {(member.uid, member.uname) for member in packed.getmembers()}
    assert members == {
        ".gitignore", ".pragmaignore", "pyproject.toml", "src/pkg/__init__.py", "notes/keep.md",
        "tests/test_x.py",
    }  # fmt: skip
    assert sorted(archive.files) == sorted(members)
    assert archive.skipped_links == ["link.py"]
    assert owners == {(0, "")}
