"""The bubblewrap command line: what a sandboxed process sees, checked inside a real sandbox."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pragma_os.sandbox import Bubblewrap, ResourceLimits, SandboxIdentity, SandboxPolicy

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("bwrap") is None, reason="the sandbox needs root and bubblewrap"
)

IDENTITY = SandboxIdentity(uid=2_999_999, gid=2_999_999)
PYTHON = Path(sys.executable).resolve()
INTERPRETER = Path(sys.base_prefix).resolve()


def policy(tmp_path: Path, **limits: int) -> SandboxPolicy:
    own = tmp_path / "version" / "home"
    own.mkdir(parents=True)
    os.chown(own, IDENTITY.uid, IDENTITY.gid)
    return SandboxPolicy(
        identity=IDENTITY,
        working_dir=own,
        writable=(own,),
        readable=(INTERPRETER,),
        limits=ResourceLimits(
            memory_bytes=limits.get("memory_bytes", 1024**3),
            processes=limits.get("processes", 64),
            open_files=64,
            file_bytes=1024**2,
        ),
        tmp_bytes=1024**2,
    )


def run(tmp_path: Path, code: str, **limits: int) -> subprocess.CompletedProcess[str]:
    command = Bubblewrap.locate().command([str(PYTHON), "-I", "-c", code], policy(tmp_path, **limits))
    return subprocess.run(
        command, env={"PATH": "/usr/bin"}, capture_output=True, text=True, timeout=60, check=False
    )


def test_it_runs_as_the_identity_in_its_own_directory_and_pid_namespace(tmp_path: Path) -> None:
    code = "import os; print(os.getuid(), os.getgid(), os.getgroups(), os.getcwd(), os.getpid())"
    done = run(tmp_path, code)
    assert done.returncode == 0, done.stderr
    uid, gid, groups, cwd, pid = done.stdout.split(" ", 4)
    assert (int(uid), int(gid)) == (IDENTITY.uid, IDENTITY.gid)
    assert groups == "[]"
    assert cwd == str(tmp_path / "version" / "home")
    assert int(pid) < 10


def test_only_its_own_directories_are_writable_and_nothing_else_of_the_host_is_there(tmp_path: Path) -> None:
    (tmp_path / "version" / "secret.txt").parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "version" / "secret.txt").write_text("host only")
    code = (
        "import os\n"
        "open('mine.txt', 'w').write('ok')\n"
        f"print(sorted(os.listdir({str(tmp_path / 'version')!r})))\n"
        "print(sorted(os.listdir('/')))\n"
        "for path in ('/usr/pwned', '/etc/pwned'):\n"
        "    try:\n"
        "        open(path, 'w')\n"
        "        print('wrote', path)\n"
        "    except OSError as error:\n"
        "        print('refused', error.errno)\n"
    )
    done = run(tmp_path, code)
    assert done.returncode == 0, done.stderr
    own, root, usr, etc = done.stdout.splitlines()
    assert own == "['home']"  # the parent shows the way in, not the host's secret.txt
    system = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "dev", "etc", "proc", "tmp", "usr"}
    ways_in = {INTERPRETER.parts[1], tmp_path.parts[1]}
    assert set(ast.literal_eval(root)) <= system | ways_in
    assert usr.startswith("refused")
    assert etc.startswith("refused")
    assert (tmp_path / "version" / "home" / "mine.txt").read_text() == "ok"


def test_limits_hold(tmp_path: Path) -> None:
    code = (
        "import os\n"
        "try:\n"
        "    bytearray(512 * 1024**2)\n"
        "    print('allocated')\n"
        "except MemoryError:\n"
        "    print('no memory')\n"
    )
    done = run(tmp_path, code, memory_bytes=256 * 1024**2)
    assert done.stdout.strip() == "no memory", done.stderr
