"""Provider use cases: push, builds, deploy, roll back, status, delete (logs: ``provider_logs``).

Every call is scoped to the caller's organization: another organization's provider answers
404 like one that does not exist.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.auth import Principal
from pragma_os.daemons.build_queue import BuildQueue
from pragma_os.daemons.deployment_manager import DeploymentManager
from pragma_os.engine import transitions
from pragma_os.errors import (
    BadRequestError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
)
from pragma_os.sandbox import Sandbox
from pragma_os.services import audit
from pragma_os.services.provider_files import ProviderFiles
from pragma_os.store import Database, resource_types
from pragma_os.store import providers as store
from pragma_os.store import resources as resource_store
from pragma_os.store.dead_letters import delete_dead_letters
from pragma_os.store.errors import AlreadyExistsError
from pragma_os.store.types import utcnow
from pragma_sdk.models import (
    PROVIDER_RULE,
    AuditAction,
    BuildInfo,
    BuildStatus,
    DeploymentStatus,
    ProviderName,
)

Row = dict[str, Any]

VERSION_FORMAT = "%Y%m%d.%H%M%S"
BUILDS_LISTED = 10
# A deploy refused for dropping types in use names this many of the resources, then a count.
IN_USE_LISTED = 20
_GZIP_MAGIC = b"\x1f\x8b"
_COPY_CHUNK = 1024 * 1024
_PROVIDER_NAME: TypeAdapter[str] = TypeAdapter(ProviderName)


@dataclass(frozen=True)
class ProviderPlatform:
    """What the provider use cases work with."""

    database: Database
    files: ProviderFiles
    builds: BuildQueue
    deployments: DeploymentManager
    max_push_bytes: int
    sandbox: Sandbox


def checked_provider_id(provider_id: str) -> str:
    """``provider_id`` when it is a valid provider name; 422 naming the rule otherwise."""
    try:
        return _PROVIDER_NAME.validate_python(provider_id)
    except ValidationError:
        raise InvalidInputError("provider_id", PROVIDER_RULE) from None


def next_version(latest: str | None, now: datetime) -> str:
    """The CalVer of a new build: ``now`` in UTC, or one second after ``latest`` if not later."""
    candidate = now.strftime(VERSION_FORMAT)
    if latest is None or candidate > latest:
        return candidate
    return (datetime.strptime(latest, VERSION_FORMAT) + timedelta(seconds=1)).strftime(VERSION_FORMAT)


async def push(platform: ProviderPlatform, principal: Principal, provider_id: str, code: BinaryIO) -> Row:
    """Store a pushed tarball as a new version and queue its build; ``PushResponse``.

    Raises:
        InvalidInputError: The upload is not a gzipped tarball.
        PayloadTooLargeError: It is larger than the push limit.
        SandboxUnavailableError: Pushed code cannot be sandboxed here, so it is not taken.
    """
    provider_id = checked_provider_id(provider_id)
    platform.sandbox.require()
    staged = await asyncio.to_thread(_stage_upload, code, platform.files.root, platform.max_push_bytes)
    try:
        build = await _record_push(platform.database, principal, provider_id)
        files = platform.files.version(principal.organization_id, provider_id, build["version"])
        files.directory.mkdir(parents=True, exist_ok=True)
        os.replace(staged, files.archive)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    platform.builds.submit(build)
    return {
        "version": build["version"],
        "status": BuildStatus.PENDING,
        "message": f"Build {build['version']} of {provider_id} queued; "
        f"follow it at /providers/{provider_id}/builds/{build['version']}/logs",
    }


def _stage_upload(code: BinaryIO, root: Path, limit: int) -> Path:
    """Copy the upload next to where it will live, refusing what is too large or not gzip."""
    root.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".push-", suffix=".tar.gz", dir=root)
    staged = Path(name)
    written = 0
    try:
        with os.fdopen(handle, "wb") as target:
            while chunk := code.read(_COPY_CHUNK):
                if written == 0 and not chunk.startswith(_GZIP_MAGIC):
                    raise InvalidInputError("code", "must be a gzipped tarball (.tar.gz)")
                written += len(chunk)
                if written > limit:
                    raise PayloadTooLargeError(
                        f"The pushed archive is larger than the limit of {limit} bytes.", field="code"
                    )
                target.write(chunk)
        if written == 0:
            raise InvalidInputError("code", "must be a gzipped tarball (.tar.gz); the upload was empty")
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


async def _record_push(database: Database, principal: Principal, provider_id: str) -> Row:
    organization_id = principal.organization_id
    for _attempt in range(2):
        try:
            async with database.transaction() as connection:
                now = utcnow()
                provider = await store.get_provider(connection, organization_id, provider_id, for_update=True)
                if provider is None:
                    provider = await store.insert_provider(connection, organization_id, provider_id, now)
                latest = await store.list_builds(connection, organization_id, provider_id, limit=1)
                version = next_version(latest[0]["version"] if latest else None, now)
                await store.update_provider(connection, provider["pk"], {"updated_at": now})
                await audit.record(
                    connection, principal, AuditAction.PROVIDER_PUSH, provider_id, version=version
                )
                return await store.insert_build(
                    connection,
                    {
                        "organization_id": organization_id,
                        "provider_id": provider_id,
                        "version": version,
                        "status": BuildStatus.PENDING,
                        "created_at": now,
                    },
                )
        except AlreadyExistsError:
            continue  # another replica registered the provider first; it exists now
    raise ConflictError(f"Provider {provider_id!r} is being pushed concurrently; push again.")


def provider_info(row: Row) -> Row:
    """``ProviderInfo`` of a provider row."""
    return {
        "provider_id": row["provider_id"],
        "current_version": row["deployed_version"],
        "deployment_status": row["deployment_status"],
        "updated_at": row["updated_at"],
    }


def build_info(row: Row) -> Row:
    """``BuildInfo`` of a build row: each of its fields is the build column of that name."""
    return {field: row[field] for field in BuildInfo.model_fields}


async def list_providers(platform: ProviderPlatform, principal: Principal) -> list[Row]:
    """The organization's providers."""
    async with platform.database.reading() as connection:
        rows = await store.list_providers(connection, principal.organization_id)
    return [provider_info(row) for row in rows]


async def get_provider(database: Database, principal: Principal, provider_id: str) -> Row:
    """The provider's row, in the caller's organization.

    Raises:
        InvalidInputError: ``provider_id`` is not a valid provider name.
        NotFoundError: The organization has no such provider.
    """
    provider_id = checked_provider_id(provider_id)
    async with database.reading() as connection:
        row = await store.get_provider(connection, principal.organization_id, provider_id)
    if row is None:
        raise NotFoundError(f"Provider {provider_id!r} not found.", provider_id=provider_id)
    return row


async def list_builds(platform: ProviderPlatform, principal: Principal, provider_id: str) -> list[Row]:
    """The provider's latest builds, newest first."""
    provider = await get_provider(platform.database, principal, provider_id)
    async with platform.database.reading() as connection:
        rows = await store.list_builds(
            connection, principal.organization_id, provider["provider_id"], limit=BUILDS_LISTED
        )
    return [build_info(row) for row in rows]


async def get_build(platform: ProviderPlatform, principal: Principal, provider_id: str, version: str) -> Row:
    """One build of the provider.

    Raises:
        NotFoundError: No such provider or version.
    """
    provider = await get_provider(platform.database, principal, provider_id)
    async with platform.database.reading() as connection:
        row = await store.get_build(connection, principal.organization_id, provider["provider_id"], version)
    if row is None:
        raise NotFoundError(
            f"Provider {provider['provider_id']!r} has no build {version!r}.",
            field="version",
            version=version,
        )
    return row


async def deploy(
    platform: ProviderPlatform,
    principal: Principal,
    provider_id: str,
    version: str | None,
    *,
    force: bool = False,
    audited_as: AuditAction = AuditAction.PROVIDER_DEPLOY,
) -> Row:
    """Start rolling ``version`` (default: the latest successful build) out; ``ProviderStatus``.

    Raises:
        NotFoundError: No such provider, or no such build.
        InvalidInputError: The build did not succeed, or there is no successful build.
        ConflictError: The version lacks a type that resources of the organization have, and
            ``force`` is not set (see ``check_types_kept``).
        SandboxUnavailableError: Pushed code cannot be sandboxed here.
    """
    provider = await get_provider(platform.database, principal, provider_id)
    platform.sandbox.require()
    provider_id = provider["provider_id"]
    async with platform.database.transaction() as connection:
        if version is None:
            successful = await store.list_builds(
                connection, principal.organization_id, provider_id, limit=1, status=BuildStatus.SUCCESS
            )
            if not successful:
                raise InvalidInputError(
                    "version", f"provider {provider_id!r} has no successful build to deploy"
                )
            build = successful[0]
        else:
            found = await store.get_build(connection, principal.organization_id, provider_id, version)
            if found is None:
                raise NotFoundError(f"Provider {provider_id!r} has no build {version!r}.", field="version")
            if found["status"] != BuildStatus.SUCCESS:
                raise InvalidInputError(
                    "version",
                    f"build {version} is {found['status']}; only a successful build can be deployed",
                )
            build = found
        if not force:
            await check_types_kept(connection, principal.organization_id, provider_id, build)
        now = utcnow()
        changes = {
            "target_version": build["version"],
            "deployment_status": DeploymentStatus.PROGRESSING,
            "deployment_error": None,
            "updated_at": now,
        }
        await store.update_provider(connection, provider["pk"], changes)
        await audit.record(connection, principal, audited_as, provider_id, version=build["version"])
    platform.deployments.start_rollout({**provider, **changes}, build)
    return deployment_status(platform, {**provider, **changes})


async def check_types_kept(
    connection: AsyncConnection, organization_id: str, provider_id: str, build: Row
) -> None:
    """Refuse to deploy ``build`` when it lacks a type that resources of the provider have:
    once it runs, their every event would fail ("no resource type") into dead letters.

    Raises:
        ConflictError: Naming the types (``dropped_types``), the first resources
            (``resources``, at most ``IN_USE_LISTED``) and how many there are (``resource_count``).
    """
    kept = [str(definition["resource"]) for definition in build["resource_types"] or []]
    using, count = await resource_store.of_types_other_than(
        connection, organization_id, provider_id, kept, IN_USE_LISTED
    )
    if not using:
        return
    dropped = sorted({row["resource"] for row in using})
    paths = [f"{row['provider']}/{row['resource']}/{row['name']}" for row in using]
    more = f" and {count - len(paths)} more" if count > len(paths) else ""
    raise ConflictError(
        f"Version {build['version']} of {provider_id} has no resource type "
        f"{', '.join(dropped)}, which {count} resource(s) still use: {', '.join(paths)}{more}. "
        "Delete them first, or force it (force: true; pragma providers deploy|rollback --force) "
        "to leave them without a handler.",
        field="version",
        dropped_types=dropped,
        resources=paths,
        resource_count=count,
    )


async def rollback(
    platform: ProviderPlatform, principal: Principal, provider_id: str, version: str, *, force: bool = False
) -> Row:
    """Deploy ``version`` again, through ``deploy``; ``DeploymentResult``.

    Refused as the public API refuses a rollback: 404 for an unknown build, 400 for one that
    did not succeed (where ``deploy`` answers 422). Rolling back to the version that is
    deployed, available and whose workers all run here starts nothing and answers
    ``available``; any other case is a rollout like ``deploy``'s.

    Raises:
        NotFoundError: No such provider, or no such build.
        BadRequestError: The build did not succeed.
        ConflictError: As for ``deploy``: the version lacks a type still in use, without ``force``.
        SandboxUnavailableError: Pushed code cannot be sandboxed here.
    """
    provider = await get_provider(platform.database, principal, provider_id)
    platform.sandbox.require()
    provider_id = provider["provider_id"]
    build = await get_build(platform, principal, provider_id, version)
    if build["status"] != BuildStatus.SUCCESS:
        raise BadRequestError(
            f"version: build {version} is {build['status']}; only a successful build can be rolled back to",
            field="version",
        )
    organization_id, running = principal.organization_id, provider["deployed_version"]
    if (
        running == version
        and provider["deployment_status"] == DeploymentStatus.AVAILABLE
        and platform.deployments.healthy(organization_id, provider_id)
    ):
        status = deployment_status(platform, provider)
        message = f"Version {version} of {provider_id} is already deployed and available; nothing changed."
    else:
        status = await deploy(
            platform, principal, provider_id, version, force=force, audited_as=AuditAction.PROVIDER_ROLLBACK
        )
        keeps = f"; {running} keeps running until then" if running and running != version else ""
        message = (
            f"Rolling {provider_id} out at version {version}: it is available once its workers "
            f"ask for work{keeps}. Follow it at /providers/{provider_id}/deployment."
        )
    workers = platform.deployments.running_workers(organization_id, provider_id, version)
    return {
        "deployment_name": provider_id,
        "status": status["status"],
        "available_replicas": workers,
        "ready_replicas": workers,
        "version": version,
        "image": None,
        "updated_at": status["updated_at"],
        "message": message,
    }


def deployment_status(platform: ProviderPlatform, provider: Row) -> Row:
    """``ProviderStatus`` of a provider row, with the health of its workers in this process."""
    status = provider["deployment_status"]
    settled = status in (DeploymentStatus.AVAILABLE, None)
    healthy = platform.deployments.healthy(provider["organization_id"], provider["provider_id"])
    return {
        "status": status or DeploymentStatus.PENDING,
        "version": provider["deployed_version"] if settled else provider["target_version"],
        "updated_at": provider["updated_at"],
        "healthy": status == DeploymentStatus.AVAILABLE and healthy,
        "running_version": provider["deployed_version"],
        "restarts": platform.deployments.restarts(provider["organization_id"], provider["provider_id"]),
        "error": provider["deployment_error"],
    }


async def get_deployment(platform: ProviderPlatform, principal: Principal, provider_id: str) -> Row:
    """How the provider's deployment is doing."""
    return deployment_status(platform, await get_provider(platform.database, principal, provider_id))


async def delete(platform: ProviderPlatform, principal: Principal, provider_id: str, *, cascade: bool) -> Row:
    """Remove a provider: its workers, builds, files, types and, with ``cascade``, its resources.

    Resources are removed from the platform without calling the provider (its workers are
    gone); what they stand for is left as it is.

    Raises:
        NotFoundError: No such provider.
        ConflictError: It still has resources and ``cascade`` is false.
    """
    provider = await get_provider(platform.database, principal, provider_id)
    organization_id, provider_id = principal.organization_id, provider["provider_id"]
    if not cascade:
        async with platform.database.reading() as connection:
            count = await resource_store.count_resources(connection, organization_id, provider_id)
        if count:
            raise ConflictError(
                f"Provider {provider_id!r} still has {count} resource(s); delete them first, "
                "or delete the provider with cascade=true to remove them too.",
                resources=count,
            )
    await platform.builds.cancel(organization_id, provider_id)
    undeployed = await platform.deployments.undeploy(organization_id, provider_id)
    async with platform.database.transaction() as connection:
        removed = await transitions.discard_provider_resources(connection, organization_id, provider_id)
        await delete_dead_letters(connection, organization_id, provider=provider_id)
        await resource_types.delete_resource_types(connection, organization_id, provider_id)
        await store.delete_provider(connection, provider)
        await audit.record(
            connection, principal, AuditAction.PROVIDER_DELETE, provider_id, resources_deleted=removed
        )
    await asyncio.to_thread(
        shutil.rmtree, platform.files.provider(organization_id, provider_id), ignore_errors=True
    )
    return {"provider_id": provider_id, "deployment_deleted": undeployed, "resources_deleted": removed}
