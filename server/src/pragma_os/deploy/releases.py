"""Releases: the running workers of one built version of a provider, behind a ``Deployer``.

The platform asks a deployer to start a release, watches its health, and stops it when a
newer one is up. ``LocalProcessDeployer`` runs the workers as supervised processes on this
machine; a deployer for Kubernetes would map a release to a Deployment with the same calls.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pragma_os.deploy.local import SupervisedWorker, WorkerSpec
from pragma_os.deploy.runs import ServerRun
from pragma_os.output import CapturedOutput
from pragma_os.sandbox import Sandbox, SandboxPolicy
from pragma_sdk.log_format import LogFormat

# What a deployed worker inherits from the server: nothing that points into the server's
# own Python (PYTHONPATH, VIRTUAL_ENV), no secrets; HOME is the release's own directory.
_RELEASE_PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "TMPDIR")


_RELEASE_WORKER = re.compile(r"/[^/@]+@([^/@#]+)#\d+$")


@dataclass(frozen=True)
class Release:
    """One version of one organization's provider, and how to run its workers.

    ``policy`` is the sandbox every worker runs in: the organization's uid, the version's
    directory read-only, ``home`` writable, the limits of a worker. ``run`` is the server
    process starting it, which names its workers.
    """

    organization_id: str
    provider_id: str
    version: str
    python: Path
    package: str
    api_url: str
    token: str
    home: Path
    policy: SandboxPolicy
    run: ServerRun
    replicas: int = 1
    concurrency: int = 100

    @property
    def key(self) -> tuple[str, str, str]:
        """What tells releases apart."""
        return (self.organization_id, self.provider_id, self.version)

    def worker_ids(self) -> list[str]:
        """The id each replica leases under (the server sees them poll)."""
        return [self.run.worker_id(name) for name in self.worker_names()]

    def worker_names(self) -> list[str]:
        """How the logs name each replica: ``provider@version#n``."""
        return [f"{self.provider_id}@{self.version}#{n}" for n in range(self.replicas)]


def version_of_worker(worker_id: str) -> str | None:
    """The version a release's worker runs, read from its id (``Release.worker_ids``); ``None``
    for a worker that is no release's (started by hand, or for ``--provider-package``)."""
    found = _RELEASE_WORKER.search(worker_id)
    return found.group(1) if found else None


@dataclass(frozen=True)
class ReleaseHealth:
    """How a release's workers are doing."""

    running: int
    replicas: int
    restarts: int

    @property
    def all_running(self) -> bool:
        """Whether every replica's process is up."""
        return self.running == self.replicas


class Deployer(Protocol):
    """Runs releases somewhere."""

    async def start(self, release: Release) -> None:
        """Start the release's workers (returns once they are launched, not once healthy)."""

    def health(self, release: Release) -> ReleaseHealth | None:
        """How the release's workers are doing; ``None`` for a release not running here."""

    async def stop(self, release: Release) -> None:
        """Stop the release's workers gracefully: they finish or hand back what they hold."""

    async def stop_all(self) -> None:
        """Stop every release (server shutdown)."""


class LocalProcessDeployer:
    """Runs each replica of a release as a supervised process on this machine, in ``sandbox``.

    ``output`` gives where a release's workers' output goes (one log shared by its replicas);
    the workers write their lines in ``log_format``.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        output: Callable[[Release], CapturedOutput],
        *,
        log_format: LogFormat = "plain",
    ) -> None:
        self._sandbox = sandbox
        self._output = output
        self._log_format = log_format
        self._running: dict[tuple[str, str, str], list[SupervisedWorker]] = {}

    async def start(self, release: Release) -> None:
        """Start the release's worker processes (restarted with backoff when they exit)."""
        if release.key in self._running:
            return
        output = self._output(release)
        workers = [
            SupervisedWorker(
                WorkerSpec(
                    release.package,
                    release.api_url,
                    release.token,
                    concurrency=release.concurrency,
                    python=str(release.python),
                    worker_id=release.run.worker_id(name),
                    label=name,
                    passed_through=_RELEASE_PASSED_THROUGH,
                    otel_headers=False,  # an organization's code: not the collector's credentials
                    home=str(release.home),
                    sandbox=self._sandbox,
                    policy=release.policy,
                    log_format=self._log_format,
                ),
                output=output,
            )
            for name in release.worker_names()
        ]
        for worker in workers:
            worker.start()
        self._running[release.key] = workers

    def health(self, release: Release) -> ReleaseHealth | None:
        """Processes up and restarts so far, or ``None`` when the release does not run here."""
        workers = self._running.get(release.key)
        if workers is None:
            return None
        return ReleaseHealth(
            running=sum(worker.running for worker in workers),
            replicas=len(workers),
            restarts=sum(worker.restarts for worker in workers),
        )

    async def stop(self, release: Release) -> None:
        """SIGTERM every replica, kill those still running after the grace period."""
        workers = self._running.pop(release.key, [])
        await asyncio.gather(*(worker.stop() for worker in workers))

    async def stop_all(self) -> None:
        """Stop every release."""
        running, self._running = self._running, {}
        await asyncio.gather(*(worker.stop() for workers in running.values() for worker in workers))
