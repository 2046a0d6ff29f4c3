"""Running pushed builds: each in its own process, one at a time per provider, a few at once.

A build process (``python -m pragma_os.builds.job``) gets an environment holding none of the
server's secrets and runs in the version's directory; its output lines are appended to the
build log as they come. Builds left ``pending`` or ``building`` by a stopped server run again
when it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pragma_os.builds.environment import build_environment
from pragma_os.builds.interpreters import Interpreter
from pragma_os.builds.uv import default_cache_dir
from pragma_os.observability.metrics import build_seconds
from pragma_os.output import CapturedOutput
from pragma_os.sandbox import Sandbox, SandboxIdentities, SandboxProfile, SandboxUnavailableError, hand_over
from pragma_os.services.provider_files import ProviderFiles, VersionFiles
from pragma_os.store import Database
from pragma_os.store import providers as store
from pragma_os.store.types import utcnow
from pragma_sdk.models import BuildStatus

logger = logging.getLogger("pragma_os.builds")

Row = dict[str, Any]
Key = tuple[str, str]  # (organization id, provider id)

_MAX_LINE_BYTES = 1024 * 1024
# The build process enforces the time limit itself; this is the backstop if it cannot.
_KILL_AFTER_SECONDS = 30.0


@dataclass(frozen=True)
class BuildSettings:
    """How builds run."""

    files: ProviderFiles
    sdk_source: Path
    uv: Path
    pythons: tuple[Interpreter, ...]
    timeout: float
    concurrency: int
    max_compressed_bytes: int
    max_unpacked_bytes: int
    max_files: int
    sandbox: Sandbox
    identities: SandboxIdentities
    profile: SandboxProfile
    max_write_bytes: int


@dataclass(frozen=True)
class _JobSandbox:
    """What the build job is told to sandbox its steps, and the uv cache they share."""

    arguments: list[str]
    uv_cache_dir: Path


class BuildQueue:
    """Schedules builds and records how they end.

    ``output`` gives where a build's output goes: ``output(organization_id, provider_id, version)``.
    """

    def __init__(
        self, database: Database, settings: BuildSettings, output: Callable[[str, str, str], CapturedOutput]
    ) -> None:
        self._database = database
        self._settings = settings
        self._output = output
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._providers: dict[Key, asyncio.Lock] = {}
        self._tasks: dict[Key, set[asyncio.Task[None]]] = {}
        self._cache_dir: Path | None = None

    def submit(self, build: Row) -> None:
        """Run ``build`` after the provider's earlier builds, when a slot is free."""
        key = (build["organization_id"], build["provider_id"])
        lock = self._providers.setdefault(key, asyncio.Lock())
        task = asyncio.create_task(self._run(build, lock))
        tasks = self._tasks.setdefault(key, set())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def resume(self) -> int:
        """Queue the builds a stopped server left unfinished; returns how many."""
        async with self._database.reading() as connection:
            unfinished = await store.builds_in(connection, [BuildStatus.PENDING, BuildStatus.BUILDING])
        for build in unfinished:
            self.submit(build)
        return len(unfinished)

    async def cancel(self, organization_id: str, provider_id: str) -> None:
        """Stop the provider's queued and running builds (the provider is being deleted)."""
        tasks = list(self._tasks.pop((organization_id, provider_id), ()))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        """Stop every build; they run again at the next start."""
        tasks = [task for tasks in self._tasks.values() for task in tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, build: Row, lock: asyncio.Lock) -> None:
        files = self._settings.files.version(build["organization_id"], build["provider_id"], build["version"])
        output = self._output(build["organization_id"], build["provider_id"], build["version"])
        async with lock, self._slots:
            await self._update(build, {"status": BuildStatus.BUILDING, "error_message": None})
            started = time.monotonic()
            try:
                outcome = await self._build(files, build["organization_id"], output)
            except asyncio.CancelledError:
                raise
            except SandboxUnavailableError as error:
                output.note(error.message)
                outcome = {"success": False, "error_message": error.message}
            except Exception as error:  # the server's side of the build broke, not the package
                logger.exception("Build %s of %s failed to run", build["version"], build["provider_id"])
                outcome = {"success": False, "error_message": f"the build could not run: {error}"}
            recorded = _recorded(build["provider_id"], outcome)
            if outcome.get("success") and recorded["status"] == BuildStatus.FAILED:
                output.note(f"build failed: {recorded['error_message']}")
            await self._update(build, recorded)
            result = "success" if recorded["status"] == BuildStatus.SUCCESS else "failure"
            build_seconds(result).observe(time.monotonic() - started)

    async def _build(
        self, files: VersionFiles, organization_id: str, output: CapturedOutput
    ) -> dict[str, Any]:
        settings = self._settings
        settings.sandbox.require()
        files.outcome.unlink(missing_ok=True)
        files.work.mkdir(parents=True, exist_ok=True)
        sandbox = (
            await self._job_sandbox(files, organization_id, output) if settings.sandbox.isolates else None
        )
        cache_dir = sandbox.uv_cache_dir if sandbox is not None else await self._uv_cache_dir()
        command = [
            sys.executable, "-m", "pragma_os.builds.job",
            "--archive", str(files.archive),
            "--work-dir", str(files.work),
            "--result", str(files.outcome),
            "--sdk-source", str(settings.sdk_source),
            "--uv", str(settings.uv),
            "--uv-cache-dir", str(cache_dir),
            "--pythons", json.dumps([python.to_argument() for python in settings.pythons]),
            "--timeout", str(settings.timeout),
            "--max-compressed-bytes", str(settings.max_compressed_bytes),
            "--max-unpacked-bytes", str(settings.max_unpacked_bytes),
            "--max-files", str(settings.max_files),
            *(sandbox.arguments if sandbox is not None else ()),
        ]  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=files.work,
            # What uv needs to reach the index (its settings, proxy and TLS), no secrets.
            env=build_environment(files.work, uv_cache_dir=cache_dir),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            limit=_MAX_LINE_BYTES,
        )
        try:
            async with asyncio.timeout(settings.timeout + _KILL_AFTER_SECONDS):
                assert process.stdout is not None
                await output.pump(process.stdout)
                await process.wait()
        except TimeoutError:
            return {
                "success": False,
                "error_message": f"build exceeded the {settings.timeout:g} s time limit",
            }
        finally:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        if not files.outcome.exists():
            return {"success": False, "error_message": f"the build process exited with {process.returncode}"}
        outcome: dict[str, Any] = json.loads(files.outcome.read_text())
        return outcome

    async def _job_sandbox(
        self, files: VersionFiles, organization_id: str, output: CapturedOutput
    ) -> _JobSandbox:
        """Run the build's steps as the organization's identity, with a uv cache of its own."""
        settings = self._settings
        identity = await settings.identities.of(organization_id)
        cache_dir = settings.files.uv_cache(organization_id)
        if not cache_dir.exists():
            await asyncio.to_thread(hand_over, cache_dir, identity)
        policy = settings.profile.policy(identity, working_dir=files.work, writable=(files.work, cache_dir))
        output.note(
            f"sandbox: {settings.sandbox.name}, uid {identity.uid} (the organization's own), "
            f"{settings.profile.describe()}, writes up to {settings.max_write_bytes / 1024**2:g} MiB"
        )
        arguments = [
            "--sandbox-prefix", json.dumps(settings.sandbox.command([], policy)),
            "--owner", f"{identity.uid}:{identity.gid}",
            "--max-write-bytes", str(settings.max_write_bytes),
        ]  # fmt: skip
        return _JobSandbox(arguments, cache_dir)

    async def _uv_cache_dir(self) -> Path:
        """The server user's uv cache, found once, so builds share downloads and wheels."""
        if self._cache_dir is None:
            self._cache_dir = await default_cache_dir(self._settings.uv)
        return self._cache_dir

    async def _update(self, build: Row, changes: Row) -> None:
        async with self._database.transaction() as connection:
            await store.update_build(connection, build["pk"], changes)


def _recorded(provider_id: str, outcome: dict[str, Any]) -> Row:
    """The build's columns for ``outcome``; a package must define the provider it was pushed as."""
    finished = {"finished_at": utcnow(), "package": outcome.get("package")}
    if not outcome.get("success"):
        return {**finished, "status": BuildStatus.FAILED, "error_message": outcome.get("error_message")}
    defined = outcome.get("providers") or []
    if provider_id not in defined:
        listed = ", ".join(repr(name) for name in defined)
        return {
            **finished,
            "status": BuildStatus.FAILED,
            "error_message": f"the package defines provider {listed}, not {provider_id!r}; "
            f'push it as that provider or name it Provider(name="{provider_id}")',
        }
    types = [item for item in outcome.get("resource_types") or [] if item.get("provider") == provider_id]
    return {**finished, "status": BuildStatus.SUCCESS, "error_message": None, "resource_types": types}
