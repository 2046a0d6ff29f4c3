"""Handing directories to a sandbox identity, and finding the sandboxed process of a sandbox."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from pragma_os.sandbox.policy import SandboxIdentity


def hand_over(root: Path, identity: SandboxIdentity, *, mode: int = 0o700) -> None:
    """Create ``root`` if needed and make it, and everything in it, the identity's own.

    Links are changed themselves, never followed. Without root (an unsandboxed development
    server) ownership stays as it is.
    """
    root.mkdir(mode=mode, parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return
    os.chown(root, identity.uid, identity.gid, follow_symlinks=False)
    root.chmod(mode)
    for directory, subdirectories, files in os.walk(root):
        for name in (*subdirectories, *files):
            os.chown(os.path.join(directory, name), identity.uid, identity.gid, follow_symlinks=False)


def sandboxed_pid(sandbox_pid: int) -> int | None:
    """The host pid of the command a bubblewrap sandbox runs, or ``None`` once it is gone.

    bwrap forks the PID namespace's init, which forks the command: it is the grandchild.
    """
    children = _children()
    for init in children.get(sandbox_pid, ()):
        for command in children.get(init, ()):
            return command
    return None


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = Path(entry.path, "stat").read_text()
            # The name may hold spaces and parentheses; the fields after its last ')' do not.
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    return children
