"""File modes of a running server: its data directory, database, key, logs, archives and uploads
are its owner's alone, including what an older install left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pragma_os.secrets.keys import new_key
from testing.fixtures.db import make_database_url
from testing.fixtures.files import upload
from testing.fixtures.pipeline import pushed
from testing.fixtures.provider_projects import widget_project
from testing.fixtures.server import start_server


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def older_install(data_dir: Path) -> list[Path]:
    """What a version without owner-only modes left: readable by everyone."""
    stray = data_dir / "files" / "org_old" / "report.txt"
    stray.parent.mkdir(parents=True)
    stray.write_text("left by an older version")
    key = data_dir / "secret.key"
    key.write_text(new_key() + "\n")
    for path in (data_dir, data_dir / "files", stray.parent):
        path.chmod(0o755)
    for path in (stray, key):
        path.chmod(0o644)
    return [data_dir, stray.parent, stray, key]


def test_everything_in_the_data_dir_is_private_to_the_server(tmp_path: Path) -> None:
    loose = older_install(tmp_path / "data")
    server = start_server(tmp_path, make_database_url("sqlite", tmp_path / "data"))
    try:
        with server.client(timeout=60) as client:
            assert upload(client._http, "notes.txt", b"mine alone").status_code == 200
            project = widget_project(tmp_path / "project", "modes")
            (project / "pyproject.toml").unlink()  # fails at once, after the archive and log are written
            pushed(client, "modes", project)
        data_dir = server.data_dir
        for name in ("pragma.db", "pragma.db-wal", "pragma.db-shm", "secret.key"):
            assert mode(data_dir / name) == 0o600, name
        version_dirs = list((data_dir / "providers").glob("*/modes/*"))
        assert version_dirs
        for name in ("source.tar.gz", "build.log"):
            assert mode(version_dirs[0] / name) == 0o600, name
        uploaded = list((data_dir / "files").glob("org_*/notes.txt"))
        assert uploaded
        assert mode(uploaded[0]) == 0o600
        for path in loose:
            assert mode(path) == (0o700 if path.is_dir() else 0o600), path
        for directory, _subdirectories, files in os.walk(data_dir):
            assert mode(Path(directory)) == 0o700, directory
            for name in files:
                path = Path(directory) / name
                assert path.is_symlink() or mode(path) & 0o077 == 0, path
        credentials = server.home / ".config" / "pragma" / "credentials"
        assert mode(credentials) == 0o600
        assert mode(credentials.parent) == 0o700
    finally:
        server.stop()
