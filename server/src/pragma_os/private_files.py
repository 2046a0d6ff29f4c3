"""The data directory is the server's alone: owner-only modes for what it creates and what it holds.

Every ``pragma-os`` command calls ``keep_private`` first: the umask makes the database and its
WAL files, the server key, build logs, pushed archives and uploaded files 0600 and every
directory 0700; the first start of this version also tightens what an older one left.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
_GROUP_AND_OTHERS = 0o077
# Written once the whole tree was tightened; later starts only check the top level.
_TIGHTENED_MARKER = ".private-modes"


def keep_private(data_dir: Path) -> None:
    """Create files owner-only from now on and take group and other access off ``data_dir``.

    The directory itself and its top-level entries (database, key) are checked at every start;
    the tree below once, since everything this process creates already gets the umask.
    Links are not followed, and files of other users are left alone.
    """
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    marker = data_dir / _TIGHTENED_MARKER
    if marker.exists():
        _tighten(data_dir)
        for entry in data_dir.iterdir():
            _tighten(entry)
        return
    for directory, _subdirectories, files in os.walk(data_dir):
        folder = Path(directory)
        _tighten(folder)
        for name in files:
            _tighten(folder / name)
    marker.touch()


def _tighten(path: Path) -> None:
    try:
        status = path.lstat()
    except FileNotFoundError:
        return  # removed meanwhile (a staged upload, a WAL file)
    if stat.S_ISLNK(status.st_mode) or status.st_uid != os.geteuid():
        return
    mode = stat.S_IMODE(status.st_mode)
    if mode & _GROUP_AND_OTHERS:
        # Owner bits stay (executables of build environments keep running).
        path.chmod(mode & ~_GROUP_AND_OTHERS)
