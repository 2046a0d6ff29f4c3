"""Local worker processes: start, supervise with restart backoff, stop gracefully.

``pragma-os serve --provider-package PKG`` runs one worker per package this way, with a
token minted for the package's providers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

from pragma_os.output import CapturedOutput
from pragma_os.sandbox import Sandbox, SandboxPolicy, sandboxed_pid
from pragma_os.tasks import cancel_and_wait
from pragma_sdk.log_format import LogFormat

logger = logging.getLogger("pragma_os.deploy")

# Variables a local worker inherits; everything else of the server's environment (database
# URL, keys, tokens) stays out.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV", "TMPDIR")
# The collector's credentials: kept from workers that run code the operator did not write.
OTEL_HEADERS = ("OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS")


def telemetry_environment(environ: Mapping[str, str], *, headers: bool) -> dict[str, str]:
    """The server's ``OTEL_*`` variables a worker inherits, so it exports its spans where the
    server does; not ``OTEL_SERVICE_NAME`` (a worker names itself), nor without ``headers``
    the collector's credentials."""
    return {
        key: value
        for key, value in environ.items()
        if key.startswith("OTEL_") and key != "OTEL_SERVICE_NAME" and (headers or key not in OTEL_HEADERS)
    }


@dataclass
class WorkerSpec:
    """What to run: a provider package, where the API is, and the worker's own token.

    ``python`` is the interpreter of the environment the package is installed in (a build's
    virtual environment, or the server's own for ``--provider-package``); ``label`` names the
    worker in logs (default: its ``worker_id``, else the package). With a ``sandbox``
    and its ``policy`` the worker runs inside it; the operator's own packages run without.
    ``log_format`` is the server's: the worker writes its lines the same way. The server's
    ``OTEL_*`` variables are passed on (see ``telemetry_environment``), with the collector's
    headers only when ``otel_headers``.
    """

    package: str
    api_url: str
    token: str
    concurrency: int = 100
    python: str = sys.executable
    worker_id: str | None = None
    label: str | None = None
    passed_through: tuple[str, ...] = PASSED_THROUGH
    home: str | None = None
    extra_args: list[str] = field(default_factory=list)
    sandbox: Sandbox | None = None
    policy: SandboxPolicy | None = None
    log_format: LogFormat = "plain"
    otel_headers: bool = True

    @property
    def isolated(self) -> bool:
        """Whether the worker runs one level down in a sandbox's PID namespace."""
        return self.sandbox is not None and self.policy is not None and self.sandbox.isolates

    def command(self) -> list[str]:
        """The worker's command line."""
        identity = ["--worker-id", self.worker_id] if self.worker_id else []
        # In a sandbox the parent is its PID namespace's init, which dies with the server.
        parent = [] if self.isolated else ["--parent-pid", str(os.getpid())]
        argv = [
            self.python, "-m", "pragma_sdk.worker",
            "--package", self.package,
            "--api-url", self.api_url,
            "--concurrency", str(self.concurrency),
            *parent,
            *identity,
            *self.extra_args,
        ]  # fmt: skip
        if self.sandbox is None or self.policy is None:
            return argv
        return self.sandbox.command(argv, self.policy)

    def environment(self) -> dict[str, str]:
        """A scrubbed environment holding only the worker's token."""
        env = {key: os.environ[key] for key in self.passed_through if key in os.environ}
        env.update(telemetry_environment(os.environ, headers=self.otel_headers))
        if self.home is not None:
            env["HOME"] = self.home
        env["PRAGMA_AUTH_TOKEN"] = self.token
        env["PYTHONUNBUFFERED"] = "1"
        env["PRAGMA_LOG_FORMAT"] = self.log_format
        return env


class SupervisedWorker:
    """Keeps one worker process running: restarts it with backoff when it exits.

    What the worker prints goes to ``output``, never to the server's own output.
    """

    def __init__(
        self, spec: WorkerSpec, *, output: CapturedOutput, max_backoff: float = 30.0, stop_grace: float = 30.0
    ) -> None:
        self.spec = spec
        self._output = output
        self._capturing: asyncio.Task[None] | None = None
        self.restarts = 0
        self._max_backoff = max_backoff
        self._stop_grace = stop_grace
        self._process: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def running(self) -> bool:
        """Whether the worker process is alive."""
        return self._process is not None and self._process.returncode is None

    def start(self) -> None:
        """Start supervising."""
        self._task = asyncio.create_task(self._supervise())

    async def _supervise(self) -> None:
        backoff = 0.5
        while not self._stopping:
            with self._output.pipe(self._label) as pipe:
                self._process = await asyncio.create_subprocess_exec(
                    *self.spec.command(),
                    env=self.spec.environment(),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=pipe.writer,
                    stderr=pipe.writer,
                )
            self._capturing = pipe.capture(self._process)
            logger.info("Started worker %s (pid %d)", self._label, self._process.pid)
            started = asyncio.get_running_loop().time()
            code = await self._process.wait()
            await self._capturing  # its last lines reach the log before it starts again
            if self._stopping:
                return
            if asyncio.get_running_loop().time() - started > 60:
                backoff = 0.5
            self.restarts += 1
            logger.warning("Worker %s exited with %s; restarting in %.1f s", self._label, code, backoff)
            await asyncio.sleep(backoff)
            backoff = min(self._max_backoff, backoff * 2)

    async def stop(self) -> None:
        """Ask the worker to finish (SIGTERM), kill it after the grace period."""
        self._stopping = True
        process = self._process
        if process is not None and process.returncode is None:
            self._terminate(process)
            try:
                await asyncio.wait_for(process.wait(), self._stop_grace)
            except TimeoutError:
                process.kill()
                await process.wait()
            logger.info("Stopped worker %s", self._label)
        if self._capturing is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._capturing
        if self._task is not None:
            await cancel_and_wait(self._task)

    def _terminate(self, process: asyncio.subprocess.Process) -> None:
        """SIGTERM the worker itself: a sandbox would only die, killing it without a goodbye."""
        target = sandboxed_pid(process.pid) if self.spec.isolated else process.pid
        if target is None:
            process.kill()
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGTERM)

    @property
    def _label(self) -> str:
        return self.spec.label or self.spec.worker_id or self.spec.package
