"""The local sandbox: bubblewrap for the namespaces and the mount view, setpriv and prlimit
for the unprivileged uid and the resource limits.

``bwrap`` runs as root so that it can mount what the policy names (an interpreter under
``/root`` included) into a fresh mount namespace; ``setpriv`` then drops to the policy's uid
with no capabilities, no supplementary groups and ``no_new_privs``, and ``prlimit`` sets the
limits before the command runs. The command sees ``/usr`` and a few files of ``/etc``
read-only, its own directories, a private ``/tmp``, a ``/proc`` of its own PID namespace and a
minimal ``/dev``; nothing else of the host's file system.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from pragma_os.sandbox.errors import SandboxUnavailableError
from pragma_os.sandbox.policy import ResourceLimits, SandboxIdentity, SandboxPolicy

# Name resolution, TLS roots, time zone, the dynamic loader's cache: what programs need to
# reach the network and start. Nothing here holds a secret (no shadow, no ssh, no app config).
_ETC_FILES = (
    "alternatives",
    "ca-certificates",
    "ca-certificates.conf",
    "crypto-policies",
    "gai.conf",
    "group",
    "host.conf",
    "hosts",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "mime.types",
    "nsswitch.conf",
    "passwd",
    "pki",
    "protocols",
    "resolv.conf",
    "services",
    "ssl",
)
_MERGED_USR = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
_PROBE_TIMEOUT_SECONDS = 10.0


class Bubblewrap:
    """Wraps command lines so that they run inside a bubblewrap sandbox."""

    name = "bubblewrap"

    def __init__(self, bwrap: str, setpriv: str, prlimit: str) -> None:
        self._bwrap = bwrap
        self._setpriv = setpriv
        self._prlimit = prlimit
        self._system = _system_arguments()

    @classmethod
    def locate(cls) -> Bubblewrap:
        """The sandbox of this machine.

        Raises:
            SandboxUnavailableError: ``bwrap``, ``setpriv`` or ``prlimit`` is missing, or the
                server does not run as root (only root can give pushed code a uid of its own).
        """
        tools = {name: shutil.which(name) for name in ("bwrap", "setpriv", "prlimit")}
        missing = [name for name, path in tools.items() if path is None]
        if missing:
            raise SandboxUnavailableError(f"{', '.join(missing)} not found on PATH")
        if os.geteuid() != 0:
            raise SandboxUnavailableError(
                "the server does not run as root, so it cannot run pushed code as a uid of its own"
            )
        bwrap, setpriv, prlimit = (str(Path(tools[name] or "").resolve()) for name in tools)
        return cls(bwrap, setpriv, prlimit)

    isolates = True

    def require(self) -> None:
        """Pushed code may run: it runs in here."""

    def command(self, argv: Sequence[str], policy: SandboxPolicy) -> list[str]:
        """``argv`` as it runs inside the sandbox ``policy`` describes.

        The command inherits the environment it is started with (scrub it first), plus
        ``USER``, ``LOGNAME`` and ``TMPDIR=/tmp``; it dies with its parent.
        """
        identity = policy.identity
        return [
            self._bwrap,
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "sandbox",
            "--die-with-parent", "--new-session",
            *self._system,
            "--proc", "/proc",
            "--dev", "/dev",
            "--perms", "1777", "--size", str(policy.tmp_bytes), "--tmpfs", "/tmp",
            *_bind_arguments(policy),
            "--chdir", str(policy.working_dir),
            "--setenv", "USER", identity.user_name,
            "--setenv", "LOGNAME", identity.user_name,
            "--setenv", "TMPDIR", "/tmp",
            "--",
            self._setpriv,
            f"--reuid={identity.uid}", f"--regid={identity.gid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
            "--",
            self._prlimit, *_limit_arguments(policy.limits),
            "--",
            *argv,
        ]  # fmt: skip

    async def probe(self, identity: SandboxIdentity) -> None:
        """Run ``true`` in a sandbox, so a machine that cannot sandbox is found at start.

        Raises:
            SandboxUnavailableError: The sandbox does not start here, with what bwrap said.
        """
        policy = SandboxPolicy(
            identity=identity,
            working_dir=Path("/"),
            writable=(),
            readable=(),
            limits=ResourceLimits(memory_bytes=256 * 1024**2, processes=64, open_files=64, file_bytes=1024),
            tmp_bytes=1024 * 1024,
        )
        try:
            process = await asyncio.create_subprocess_exec(
                *self.command(["true"], policy),
                env={"PATH": "/usr/bin:/bin"},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            _, stderr = await asyncio.wait_for(process.communicate(), _PROBE_TIMEOUT_SECONDS)
        except (OSError, TimeoutError) as error:
            raise SandboxUnavailableError(f"bubblewrap does not start: {error}") from None
        if process.returncode != 0:
            said = stderr.decode(errors="replace").strip().splitlines()
            raise SandboxUnavailableError(
                f"bubblewrap does not start: {said[-1] if said else f'exit code {process.returncode}'}"
            )


def _system_arguments() -> list[str]:
    """``/usr`` and the merged-usr links, and the harmless part of ``/etc``, read-only."""
    arguments = ["--ro-bind", "/usr", "/usr"]
    for name in _MERGED_USR:
        path = Path("/") / name
        if path.is_symlink():
            arguments += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            arguments += ["--ro-bind", str(path), str(path)]
    arguments += ["--perms", "0755", "--dir", "/etc"]
    for name in _ETC_FILES:
        path = Path("/etc") / name
        if path.exists():
            arguments += ["--ro-bind", str(path), str(path)]
    return arguments


def _bind_arguments(policy: SandboxPolicy) -> list[str]:
    """Mount the policy's paths at the same places, creating traversable parents for them.

    Outer paths are bound before inner ones, so a writable directory inside a read-only one
    stays writable; parents inside an earlier mount already exist and are not created again.
    """
    binds = [(path, "--ro-bind") for path in policy.readable] + [(path, "--bind") for path in policy.writable]
    binds.sort(key=lambda bind: len(bind[0].parts))
    arguments: list[str] = []
    mounted: list[Path] = [Path("/usr")]
    created: set[Path] = set()
    for path, option in binds:
        for parent in reversed(path.parents):
            if parent == Path("/") or parent in created or any(parent.is_relative_to(m) for m in mounted):
                continue
            arguments += ["--perms", "0755", "--dir", str(parent)]
            created.add(parent)
        arguments += [option, str(path), str(path)]
        mounted.append(path)
    return arguments


def _limit_arguments(limits: ResourceLimits) -> list[str]:
    arguments = [
        f"--as={limits.memory_bytes}",
        f"--nproc={limits.processes}",
        f"--nofile={limits.open_files}",
        f"--fsize={limits.file_bytes}",
        "--core=0",
    ]
    if limits.cpu_seconds is not None:
        arguments.append(f"--cpu={limits.cpu_seconds}")
    return arguments
