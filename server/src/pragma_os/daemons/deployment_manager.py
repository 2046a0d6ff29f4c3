"""Deploying built versions: start the new workers, wait until they poll, then stop the old.

A rollout runs in the background: the provider is ``progressing`` until every worker of the
new version runs and has asked for work, then ``available``, and only then are the previous
version's workers stopped (gracefully: they finish or hand back their leases). A version
whose workers keep exiting, or never poll within the deploy timeout, ends ``failed`` and the
previous version keeps running. Deploying an older version is how you roll back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pragma_os.auth import service as auth_service
from pragma_os.deploy.releases import Deployer, Release
from pragma_os.deploy.runs import ServerRun
from pragma_os.engine import transitions
from pragma_os.observability.metrics import deploy_seconds
from pragma_os.sandbox import Sandbox, SandboxIdentities, SandboxProfile, SandboxUnavailableError, hand_over
from pragma_os.services.config_validation import ConfigValidator
from pragma_os.services.presence import WorkerPresence
from pragma_os.services.provider_files import ProviderFiles
from pragma_os.store import Database, resource_types
from pragma_os.store import providers as store
from pragma_os.store.types import utcnow
from pragma_os.tasks import cancel_and_wait
from pragma_sdk.models import DeploymentStatus

logger = logging.getLogger("pragma_os.deploy")

Row = dict[str, Any]
Key = tuple[str, str]  # (organization id, provider id)

# A worker that exits this many times before it ever polled will not get better by waiting.
_MAX_RESTARTS_BEFORE_HEALTHY = 3
_HEALTH_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class DeploySettings:
    """How releases run."""

    files: ProviderFiles
    api_url: str
    timeout: float
    replicas: int
    concurrency: int
    sandbox: Sandbox
    identities: SandboxIdentities
    profile: SandboxProfile
    run: ServerRun


class DeploymentManager:
    """Rolls versions out and back, and brings deployed providers back after a restart."""

    def __init__(
        self,
        database: Database,
        deployer: Deployer,
        presence: WorkerPresence,
        validator: ConfigValidator,
        settings: DeploySettings,
    ) -> None:
        self._database = database
        self._validator = validator
        self._deployer = deployer
        self._presence = presence
        self._settings = settings
        self._current: dict[Key, Release] = {}
        self._rollouts: dict[Key, asyncio.Task[None]] = {}
        self._locks: dict[Key, asyncio.Lock] = {}

    def start_rollout(self, provider: Row, build: Row) -> None:
        """Deploy ``build`` in the background (the provider row says ``progressing`` already).

        A rollout of the same provider still in progress is abandoned for this one.
        """
        key = (provider["organization_id"], provider["provider_id"])
        previous = self._rollouts.pop(key, None)
        if previous is not None:
            previous.cancel()
        task = asyncio.create_task(self._roll_out(key, build))
        self._rollouts[key] = task
        task.add_done_callback(
            lambda done: self._rollouts.pop(key, None) if self._rollouts.get(key) is done else None
        )

    def healthy(self, organization_id: str, provider_id: str) -> bool:
        """Whether every worker of the running version is up (in this process)."""
        release = self._current.get((organization_id, provider_id))
        if release is None:
            return False
        health = self._deployer.health(release)
        return health is not None and health.all_running

    def running_workers(self, organization_id: str, provider_id: str, version: str) -> int:
        """How many worker processes of ``version`` are up (in this process); 0 unless it runs."""
        release = self._current.get((organization_id, provider_id))
        if release is None or release.version != version:
            return 0
        health = self._deployer.health(release)
        return health.running if health is not None else 0

    def restarts(self, organization_id: str, provider_id: str) -> int:
        """How often the running version's workers were restarted after exiting."""
        release = self._current.get((organization_id, provider_id))
        health = self._deployer.health(release) if release is not None else None
        return health.restarts if health is not None else 0

    async def restore(self) -> int:
        """Run every deployed provider again (server start); returns how many.

        A rollout the server was doing when it stopped starts over; otherwise the version
        that was running runs again.
        """
        async with self._database.reading() as connection:
            deployed = await store.deployed_providers(connection)
        for provider in deployed:
            key = (provider["organization_id"], provider["provider_id"])
            target = await self._build(key, provider["target_version"])
            if provider["deployment_status"] == DeploymentStatus.PROGRESSING and target is not None:
                self.start_rollout(provider, target)
                continue
            running = await self._build(key, provider["deployed_version"])
            if running is not None:
                try:
                    release = await self._release(running)
                except SandboxUnavailableError as error:
                    logger.error("Not restarting %s %s: %s", key[1], running["version"], error.message)
                    await self._record(key, running, DeploymentStatus.FAILED, error.message)
                    continue
                await self._deployer.start(release)
                self._current[key] = release
        return len(deployed)

    async def _build(self, key: Key, version: str | None) -> Row | None:
        if version is None:
            return None
        async with self._database.reading() as connection:
            return await store.get_build(connection, *key, version)

    async def undeploy(self, organization_id: str, provider_id: str) -> bool:
        """Stop the provider's workers; returns whether any were running."""
        key = (organization_id, provider_id)
        rollout = self._rollouts.pop(key, None)
        if rollout is not None:
            await cancel_and_wait(rollout)
        async with self._lock(key):
            release = self._current.pop(key, None)
            if release is None:
                return False
            await self._retire(release)
            return True

    async def close(self) -> None:
        """Stop every rollout and every worker (server shutdown)."""
        rollouts = list(self._rollouts.values())
        for rollout in rollouts:
            rollout.cancel()
        await asyncio.gather(*rollouts, return_exceptions=True)
        await self._deployer.stop_all()
        self._current.clear()

    def _lock(self, key: Key) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    async def _release(self, build: Row) -> Release:
        """The release of ``build``, its home handed to the organization's sandbox identity.

        Raises:
            SandboxUnavailableError: Pushed code cannot be sandboxed here.
        """
        settings = self._settings
        settings.sandbox.require()
        files = settings.files.version(build["organization_id"], build["provider_id"], build["version"])
        identity = await settings.identities.of(build["organization_id"])
        await asyncio.to_thread(hand_over, files.home, identity)
        policy = settings.profile.policy(
            identity, working_dir=files.home, writable=(files.home,), readable=(files.work,)
        )
        token = await auth_service.mint_release_token(
            self._database,
            build["organization_id"],
            _token_label(build["provider_id"], build["version"]),
            build["provider_id"],
        )
        return Release(
            organization_id=build["organization_id"],
            provider_id=build["provider_id"],
            version=build["version"],
            python=files.python,
            package=build["package"],
            api_url=self._settings.api_url,
            token=token,
            home=files.home,
            policy=policy,
            run=self._settings.run,
            replicas=self._settings.replicas,
            concurrency=self._settings.concurrency,
        )

    async def _roll_out(self, key: Key, build: Row) -> None:
        async with self._lock(key):
            current = self._current.get(key)
            if current is not None and current.version == build["version"] and self.healthy(*key):
                await self._record(key, build, DeploymentStatus.AVAILABLE, None)
                return
            started = time.monotonic()
            try:
                release = await self._release(build)
            except SandboxUnavailableError as error:
                await self._record(key, build, DeploymentStatus.FAILED, error.message)
                deploy_seconds("failure").observe(time.monotonic() - started)
                return
            try:
                await self._deployer.start(release)
                failure = await self._wait_healthy(release)
            except asyncio.CancelledError:
                await self._retire(release)
                raise
            if failure is not None:
                logger.warning("Deploying %s %s failed: %s", build["provider_id"], build["version"], failure)
                await self._retire(release)
                await self._record(key, build, DeploymentStatus.FAILED, failure)
                deploy_seconds("failure").observe(time.monotonic() - started)
                return
            self._current[key] = release
            await self._record(key, build, DeploymentStatus.AVAILABLE, None)
            deploy_seconds("success").observe(time.monotonic() - started)
            if current is not None and current.version != release.version:
                await self._retire(current)

    async def _wait_healthy(self, release: Release) -> str | None:
        """``None`` once every worker runs and polled; else why the release is not healthy."""
        since = time.monotonic()
        deadline = since + self._settings.timeout
        while True:
            health = self._deployer.health(release)
            if health is None:
                return "the workers were stopped before they became healthy"
            polled = all(self._presence.seen_since(worker, since) for worker in release.worker_ids())
            if polled and health.all_running:
                return None
            if health.restarts >= _MAX_RESTARTS_BEFORE_HEALTHY:
                return (
                    f"the workers of version {release.version} keep exiting "
                    f"({health.restarts} restarts before any asked for work); see what they printed at "
                    f"/providers/{release.provider_id}/logs?version={release.version}"
                )
            if time.monotonic() > deadline:
                return (
                    f"the workers of version {release.version} did not ask for work "
                    f"within {self._settings.timeout:g} s"
                )
            await asyncio.sleep(_HEALTH_POLL_SECONDS)

    async def _retire(self, release: Release) -> None:
        await self._deployer.stop(release)
        # A worker stopped while its poll was being answered leased events it never saw; its
        # process is gone, so they go back to the queue now rather than when the lease runs out.
        workers, now = release.worker_ids(), utcnow()
        ended = await self._database.retrying(
            lambda connection: transitions.end_leases_held_by(connection, workers, now)
        )
        if ended:
            logger.warning(
                "Redelivering %d event(s) leased to the stopped workers of %s@%s",
                ended,
                release.provider_id,
                release.version,
            )
        await auth_service.revoke_worker_tokens(
            self._database, release.organization_id, _token_label(release.provider_id, release.version)
        )

    async def _record(self, key: Key, build: Row, status: DeploymentStatus, error: str | None) -> None:
        now: datetime = utcnow()
        async with self._database.transaction() as connection:
            provider = await store.get_provider(connection, *key, for_update=True)
            if provider is None:
                return  # deleted meanwhile
            changes: Row = {"deployment_status": status, "deployment_error": error, "updated_at": now}
            if status == DeploymentStatus.AVAILABLE:
                changes["deployed_version"] = build["version"]
                await resource_types.replace_resource_types(
                    connection,
                    build["organization_id"],
                    build["provider_id"],
                    build["resource_types"] or [],
                    now,
                )
            await store.update_provider(connection, provider["pk"], changes)
        self._validator.forget(*key)


def _token_label(provider_id: str, version: str) -> str:
    return f"release:{provider_id}@{version}"
