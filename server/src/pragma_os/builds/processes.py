"""Run one build step as a subprocess: stream its output lines to the build log, enforce the deadline.

Each step runs in its own session (process group), so a timeout or the end of the step
kills everything it started, including processes its children spawned.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

LineSink = Callable[[str], Awaitable[None]]
"""Receives each line of build output, without its line ending, as soon as it is printed."""

_READ_SIZE = 64 * 1024
_MAX_LINE = 8 * 1024
_TAIL_LINES = 200
# After a step ends, output its killed leftovers still hold in the pipe gets this long to drain.
_DRAIN_SECONDS = 5.0
_EXIT_POLL_SECONDS = 0.1


class StepTimeoutError(Exception):
    """The step was still running at the build's deadline; its process group was killed."""


class StepWriteLimitError(Exception):
    """The step wrote more than the build may; its process group was killed."""


@dataclass(frozen=True)
class WriteBudget:
    """How much a build may lower the free space of the file system holding its directory.

    Free space is what the kernel reports for the whole file system (one cheap ``statvfs``),
    so it bounds every write of the build, wherever it lands on it (its directory, the uv
    cache), at the price of counting other writers of the same moment too.
    """

    root: Path
    max_bytes: int
    free_at_start: int

    @classmethod
    def from_now(cls, root: Path, max_bytes: int) -> WriteBudget:
        """A budget of ``max_bytes`` counted from the free space ``root`` has now."""
        return cls(root, max_bytes, _free_bytes(root))

    def exceeded(self) -> bool:
        """Whether free space fell more than ``max_bytes`` since the budget was made."""
        return self.free_at_start - _free_bytes(self.root) > self.max_bytes


def _free_bytes(root: Path) -> int:
    stat = os.statvfs(root)
    return stat.f_bavail * stat.f_frsize


@dataclass(frozen=True)
class StepResult:
    """How a step ended: its exit code and its last output lines (for error messages)."""

    returncode: int
    tail: list[str]


class BuildLog:
    """The build's line sink with a cap: past ``max_lines`` lines, one notice, then silence."""

    def __init__(self, sink: LineSink, max_lines: int = 20_000) -> None:
        self._sink = sink
        self._max_lines = max_lines
        self._written = 0

    async def write(self, line: str) -> None:
        """Send ``line`` to the sink unless the cap is reached."""
        self._written += 1
        if self._written <= self._max_lines:
            await self._sink(line)
        elif self._written == self._max_lines + 1:
            await self._sink(f"... build output truncated after {self._max_lines} lines")


async def run_step(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log: BuildLog,
    deadline: float,
    budget: WriteBudget | None = None,
) -> StepResult:
    """Run ``argv`` until it exits or the event loop's clock reaches ``deadline``.

    stdout and stderr are merged and written to ``log`` line by line as they arrive; stdin is
    empty. When the step ends, whatever it left running in its process group is killed.

    Args:
        budget: When given, the step is killed once the build went over it.

    Raises:
        StepTimeoutError: The deadline came first.
        StepWriteLimitError: The step went over the write budget.
        OSError: The program cannot be started.
    """
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    assert process.stdout is not None
    tail: deque[str] = deque(maxlen=_TAIL_LINES)
    pump = asyncio.create_task(_pump(process.stdout, log, tail))
    timed_out = over_budget = False
    try:
        try:
            async with asyncio.timeout_at(deadline):
                over_budget = await _exit(process, pump, budget)
        except TimeoutError:
            timed_out = True
        finally:
            _kill_group(process.pid)
        # With the group gone the pipe closes, unless something escaped into another session.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(pump), _DRAIN_SECONDS)
    finally:
        if not pump.done():
            pump.cancel()
        await asyncio.wait([pump])
        if process.returncode is None:
            await process.wait()
    if not pump.cancelled() and (error := pump.exception()) is not None:
        raise error
    if timed_out:
        raise StepTimeoutError
    if over_budget:
        raise StepWriteLimitError
    assert process.returncode is not None
    return StepResult(returncode=process.returncode, tail=list(tail))


async def _exit(
    process: asyncio.subprocess.Process,
    pump: asyncio.Task[None],
    budget: WriteBudget | None,
) -> bool:
    """Return once ``process`` has exited (``False``) or went over the write budget (``True``).

    ``process.wait()`` alone also waits for its output pipe to close, which a process it left
    behind can hold open; while the pipe is open, watch the return code instead.
    """
    exited: asyncio.Task[int] | None = None
    try:
        while process.returncode is None:
            if pump.done() and exited is None:
                # The pipe is closed: from now on waiting returns at the exit.
                exited = asyncio.create_task(process.wait())
            await asyncio.wait([exited or pump], timeout=_EXIT_POLL_SECONDS)
            if budget is not None and budget.exceeded():
                return True
    finally:
        if exited is not None and not exited.done():
            exited.cancel()
    await process.wait()
    return False


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


async def _pump(stream: asyncio.StreamReader, log: BuildLog, tail: deque[str]) -> None:
    pending = b""
    while chunk := await stream.read(_READ_SIZE):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        if len(pending) > _MAX_LINE:  # a line without end so far: pass on what is complete of it
            cut = len(pending) - len(pending) % _MAX_LINE
            lines.append(pending[:cut])
            pending = pending[cut:]
        for raw in lines:
            await _emit(raw, log, tail)
    if pending:
        await _emit(pending, log, tail)


async def _emit(raw: bytes, log: BuildLog, tail: deque[str]) -> None:
    for start in range(0, max(len(raw), 1), _MAX_LINE):
        for line in raw[start : start + _MAX_LINE].decode("utf-8", "replace").rstrip("\r").split("\r"):
            tail.append(line)
            await log.write(line)
