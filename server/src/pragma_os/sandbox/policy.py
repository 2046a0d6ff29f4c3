"""What a sandboxed process may see and use: its identity, its directories, its limits.

A policy says nothing about how it is enforced; ``bubblewrap`` turns it into a command line
here, and a container runtime or Kubernetes would turn it into a pod spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SandboxIdentity:
    """The unprivileged user and group pushed code of one organization runs as."""

    uid: int
    gid: int

    @property
    def user_name(self) -> str:
        """The name the process sees in ``USER`` and ``LOGNAME``."""
        return f"pragma-{self.uid}"


@dataclass(frozen=True)
class ResourceLimits:
    """Per-process limits (``setrlimit``); ``processes`` counts every process of the uid.

    Attributes:
        memory_bytes: Address space of each process (``RLIMIT_AS``): an allocation past it fails.
        processes: Processes and threads the uid may have at once (``RLIMIT_NPROC``).
        open_files: File descriptors per process (``RLIMIT_NOFILE``).
        file_bytes: Largest file a process may write (``RLIMIT_FSIZE``).
        cpu_seconds: CPU time per process (``RLIMIT_CPU``); ``None`` for no limit.
    """

    memory_bytes: int
    processes: int
    open_files: int
    file_bytes: int
    cpu_seconds: int | None = None


@dataclass(frozen=True)
class SandboxPolicy:
    """One sandboxed process: who it runs as, what it sees, what it may use.

    Paths appear inside the sandbox at the same place as outside, so a virtual environment
    built in a sandbox runs unchanged in the next one.

    Attributes:
        identity: The uid and gid it runs as.
        working_dir: Its current directory (one of ``writable`` or ``readable``).
        writable: Directories it may read and write (its version's directory, ``HOME``).
        readable: Files and directories it may only read (the interpreter, uv, the SDK).
        limits: Its resource limits.
        tmp_bytes: Size of its private ``/tmp`` (memory-backed).
    """

    identity: SandboxIdentity
    working_dir: Path
    writable: tuple[Path, ...]
    readable: tuple[Path, ...]
    limits: ResourceLimits
    tmp_bytes: int


@dataclass(frozen=True)
class SandboxProfile:
    """How one kind of sandboxed process (builds, or the workers of releases) runs.

    Attributes:
        limits: Resource limits of every such process.
        tmp_bytes: Size of each one's private ``/tmp``.
        shared: Paths every such process may read (the interpreter, uv, the SDK source).
    """

    limits: ResourceLimits
    tmp_bytes: int
    shared: tuple[Path, ...] = ()

    def policy(
        self,
        identity: SandboxIdentity,
        *,
        working_dir: Path,
        writable: tuple[Path, ...],
        readable: tuple[Path, ...] = (),
    ) -> SandboxPolicy:
        """The policy of one process of this kind."""
        return SandboxPolicy(
            identity=identity,
            working_dir=working_dir,
            writable=writable,
            readable=(*self.shared, *readable),
            limits=self.limits,
            tmp_bytes=self.tmp_bytes,
        )

    def describe(self) -> str:
        """The limits in words, for build logs and status lines."""
        limits = self.limits
        parts = [
            f"memory {_size(limits.memory_bytes)} per process",
            f"{limits.processes} processes",
            f"{limits.open_files} open files",
            f"files up to {_size(limits.file_bytes)}",
            f"/tmp {_size(self.tmp_bytes)}",
        ]
        if limits.cpu_seconds is not None:
            parts.append(f"{limits.cpu_seconds} s of CPU per process")
        return ", ".join(parts)


def _size(count: int) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= size:
            return f"{count / size:g} {unit}"
    return f"{count} B"
