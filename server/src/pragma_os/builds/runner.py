"""Build one pushed provider version: a virtual environment, the install, the discovery.

Called with the project an archive was extracted to; returns the outcome the build record
keeps. Every step runs as a subprocess with a scrubbed environment, inside the build's
directory, under one time limit, with its output streamed line by line to the build log.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pragma_os.builds import uv as uv_commands
from pragma_os.builds.discovery import Discovery, discovery_command, read_discovery
from pragma_os.builds.environment import build_environment
from pragma_os.builds.errors import BuildError, BuildLimitError, BuildTimeoutError, InstallError
from pragma_os.builds.interpreters import Interpreter, choose
from pragma_os.builds.layout import venv_dir, venv_python
from pragma_os.builds.processes import (
    BuildLog,
    LineSink,
    StepResult,
    StepTimeoutError,
    StepWriteLimitError,
    WriteBudget,
    run_step,
)
from pragma_os.builds.project import ProviderProject, read_project
from pragma_os.sandbox.ownership import hand_over
from pragma_os.sandbox.policy import SandboxIdentity

_OVERRIDES_FILE = "sdk-override.txt"
_RESULT_FILE = "discovery.json"


@dataclass(frozen=True)
class BuildOutcome:
    """How a build ended.

    Attributes:
        success: Whether the version can be deployed.
        error_message: One line saying what went wrong; ``None`` on success.
        providers: Provider names the package defines.
        resource_types: Their resource types: ``provider``, ``resource``, ``schema``,
            ``outputs_schema``, ``description`` each.
        package: The import name the providers were discovered in (``None`` when the build
            failed before it was known); the worker of this version serves it (see
            ``layout.worker_command``).
    """

    success: bool
    error_message: str | None = None
    providers: list[str] = field(default_factory=list)
    resource_types: list[dict[str, Any]] = field(default_factory=list)
    package: str | None = None


async def run_build(
    project_root: Path,
    work_dir: Path,
    *,
    sdk_source: Path,
    log: LineSink,
    timeout: float,
    uv: Path,
    pythons: Sequence[Interpreter],
    uv_cache_dir: Path | None = None,
    sandbox_prefix: Sequence[str] = (),
    owner: SandboxIdentity | None = None,
    max_write_bytes: int | None = None,
) -> BuildOutcome:
    """Build the provider project at ``project_root`` into ``work_dir``.

    Steps: ``uv venv`` at ``work_dir/venv``; ``uv pip install`` of the project with its
    ``pragmatiks-sdk`` dependency pinned to ``sdk_source`` (see ``builds.uv``); then, in the new
    environment, import the package (see ``project.read_project`` for which one) and discover
    its providers and resource types.

    Args:
        project_root: The directory holding the project's ``pyproject.toml``.
        work_dir: The version's own directory (created if missing); every step runs there and
            it is the steps' ``HOME``.
        sdk_source: The platform's SDK (source directory or wheel) the build installs.
        log: Receives every line the steps print, as they print it, plus a line per step.
        timeout: Seconds for the whole build; at the limit the running step's process group is
            killed.
        uv: The uv executable.
        pythons: The interpreters the environment may be made from, the server's own first:
            ``interpreters.choose`` picks by the project's ``requires-python``.
        uv_cache_dir: The uv cache to share between builds; by default the server user's.
        sandbox_prefix: Put before every step's command line: the sandbox the steps run in
            (see ``pragma_os.sandbox``); empty to run them as they are.
        owner: The identity the sandboxed steps run as: ``work_dir`` is handed to it first.
        max_write_bytes: How far the build may lower the free space of ``work_dir``'s file
            system before its running step is killed; ``None`` for no bound.

    Returns:
        The outcome; a failed build is an outcome with a one-line ``error_message``, not an
        exception. Only what ``log`` itself raises, and cancellation, propagate (the running
        step's process group is killed first).
    """
    build_log = BuildLog(log)
    deadline = asyncio.get_running_loop().time() + timeout
    package: str | None = None
    try:
        project, work_dir, overrides = await asyncio.to_thread(
            _prepare, project_root, work_dir, sdk_source, owner
        )
        package = project.package
        python = choose(pythons, project.requires_python)
        budget = WriteBudget.from_now(work_dir, max_write_bytes) if max_write_bytes is not None else None
        build = _Build(
            project,
            work_dir,
            build_log,
            deadline,
            sdk_source=sdk_source,
            uv=uv,
            python=python,
            sandbox_prefix=tuple(sandbox_prefix),
            budget=budget,
        )
        try:
            discovery = await build.run(overrides, uv_cache_dir)
        except StepTimeoutError:
            raise BuildTimeoutError(f"build exceeded the {timeout:g} s time limit") from None
        except StepWriteLimitError:
            assert max_write_bytes is not None
            raise BuildLimitError(
                f"the build wrote more than {max_write_bytes / 1024**2:g} MiB, the most a build may write"
            ) from None
    except BuildError as error:
        outcome = BuildOutcome(success=False, error_message=error.message, package=package)
    else:
        outcome = BuildOutcome(
            success=True,
            providers=discovery.providers,
            resource_types=discovery.resource_types,
            package=package,
        )
    if outcome.success:
        count = len(outcome.resource_types)
        await build_log.write(
            f"==> build succeeded: {', '.join(outcome.providers)}, {count} resource type(s)"
        )
    else:
        await build_log.write(f"==> build failed: {outcome.error_message}")
    return outcome


@dataclass(frozen=True)
class _Build:
    """The steps of one build, sharing its directory, log and deadline."""

    project: ProviderProject
    work_dir: Path
    log: BuildLog
    deadline: float
    sdk_source: Path
    uv: Path
    python: Interpreter
    sandbox_prefix: tuple[str, ...]
    budget: WriteBudget | None

    async def run(self, overrides: Path, uv_cache_dir: Path | None) -> Discovery:
        try:
            cache = uv_cache_dir or await uv_commands.default_cache_dir(self.uv)
        except OSError as error:
            raise InstallError(f"cannot find the uv cache: {error}") from None
        uv_env = build_environment(self.work_dir, uv_cache_dir=cache)
        python = venv_python(self.work_dir)

        accepts = (
            f" (the project requires {self.project.requires_python})" if self.project.requires_python else ""
        )
        await self.log.write(f"==> creating the virtual environment on Python {self.python.version}{accepts}")
        step = await self._step(
            uv_commands.venv_command(self.uv, str(self.python.path), venv_dir(self.work_dir)), uv_env
        )
        if step.returncode != 0:
            raise InstallError(f"creating the virtual environment failed: {_uv_failure(step)}")

        name = self.project.name or self.project.root.name
        await self.log.write(f"==> installing {name} with the platform's SDK")
        command = uv_commands.install_command(
            self.uv, python, project=self.project.root, sdk_source=self.sdk_source, overrides=overrides
        )
        step = await self._step(command, uv_env)
        if step.returncode != 0:
            raise InstallError(f"installing the project failed: {_uv_failure(step)}")

        package = self.project.package
        await self.log.write(f"==> importing {package} and discovering its providers")
        result_file = self.work_dir / _RESULT_FILE
        # Pushed code runs here with nothing of uv's settings: only the base environment.
        step = await self._step(
            discovery_command(python, package, result_file), build_environment(self.work_dir)
        )
        return read_discovery(result_file, package=package, returncode=step.returncode)

    async def _step(self, argv: Sequence[str], env: dict[str, str]) -> StepResult:
        await self.log.write(f"$ {shlex.join(argv)}")
        try:
            return await run_step(
                [*self.sandbox_prefix, *argv],
                cwd=self.work_dir,
                env=env,
                log=self.log,
                deadline=self.deadline,
                budget=self.budget,
            )
        except OSError as error:
            raise InstallError(f"cannot run {argv[0]}: {error.strerror or error}") from None


def _prepare(
    project_root: Path, work_dir: Path, sdk_source: Path, owner: SandboxIdentity | None
) -> tuple[ProviderProject, Path, Path]:
    """Read the project, create ``work_dir``, write the SDK override file, hand it to ``owner``.

    Returns:
        The project, ``work_dir`` made absolute (steps run inside it, so no path they get may
        depend on the server's working directory) and the override file.
    """
    project = read_project(project_root.absolute())
    work_dir = work_dir.absolute()
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / _RESULT_FILE).unlink(missing_ok=True)
    overrides = work_dir / _OVERRIDES_FILE
    overrides.write_text(uv_commands.sdk_override(sdk_source), encoding="utf-8")
    if owner is not None:
        hand_over(work_dir, owner)
    return project, work_dir, overrides


def _uv_failure(step: StepResult) -> str:
    summary = uv_commands.error_summary(step.tail)
    if summary is not None:
        return summary
    last = next((line.strip() for line in reversed(step.tail) if line.strip()), None)
    return last or f"exit code {step.returncode}"
