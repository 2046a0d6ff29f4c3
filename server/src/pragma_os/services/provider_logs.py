"""Reading a provider's logs: a version's build log, or what its workers printed; whole, tailed, followed.

Like every provider call, only the provider's organization gets an answer; another gets 404.
Each server replica keeps the logs of the workers it runs, so with several replicas a request
sees the workers of the replica that answers it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from pragma_os.auth import Principal
from pragma_os.errors import NotFoundError
from pragma_os.output import log_exists, stream_log
from pragma_os.services.providers import ProviderPlatform, Row, get_build, get_provider
from pragma_os.store import providers as store
from pragma_sdk.models import BuildStatus

_FINISHED = (BuildStatus.SUCCESS, BuildStatus.FAILED)


async def build_log(
    platform: ProviderPlatform, principal: Principal, provider_id: str, version: str
) -> AsyncIterator[bytes]:
    """The build's log so far, then each new line as the build prints it, until it ends.

    Raises (before the first line):
        NotFoundError: No such provider or version.
    """
    build = await get_build(platform, principal, provider_id, version)
    return _build_lines(platform, build, tail=None, follow=True, missing_ok=True)


async def provider_log(
    platform: ProviderPlatform,
    principal: Principal,
    provider_id: str,
    *,
    version: str | None,
    build: bool,
    follow: bool,
    tail: int | None,
) -> AsyncIterator[bytes]:
    """The lines of a version's workers (or, with ``build``, of its build), as they are kept.

    ``version`` defaults to the deployed version, else the latest build. ``tail`` keeps the
    last lines only; ``follow`` goes on with new lines: for a build until it ends, for workers
    until the caller stops reading.

    Raises (before the first line):
        NotFoundError: No such provider or version, or nothing logged yet.
    """
    provider = await get_provider(platform.database, principal, provider_id)
    provider_id = provider["provider_id"]
    version = version or provider["deployed_version"] or await _latest_version(platform, provider)
    if version is None:
        raise NotFoundError(f"Provider {provider_id!r} has no builds yet, so no logs.", field="version")
    found = await get_build(platform, principal, provider_id, version)
    if build:
        return _build_lines(platform, found, tail=tail, follow=follow)
    files = platform.files.version(principal.organization_id, provider_id, version)
    if not log_exists(files.worker_log):
        raise NotFoundError(
            f"No worker logs of {provider_id} {version} yet: its workers have not run on this server.",
            field="version",
            version=version,
        )

    async def deployed_files_remain() -> bool:
        return await asyncio.to_thread(files.directory.exists)  # gone when the provider is deleted

    return stream_log(files.worker_log, tail=tail, follow=follow, still_going=deployed_files_remain)


async def _latest_version(platform: ProviderPlatform, provider: Row) -> str | None:
    async with platform.database.reading() as connection:
        latest = await store.list_builds(
            connection, provider["organization_id"], provider["provider_id"], limit=1
        )
    return latest[0]["version"] if latest else None


def _build_lines(
    platform: ProviderPlatform, build: Row, *, tail: int | None, follow: bool, missing_ok: bool = False
) -> AsyncIterator[bytes]:
    """The build's lines; 404 when it has no log and none is coming, unless ``missing_ok``."""
    log = platform.files.version(build["organization_id"], build["provider_id"], build["version"]).log
    running = build["status"] not in _FINISHED
    if not missing_ok and not log_exists(log) and not (follow and running):
        raise NotFoundError(
            f"The build {build['version']} of {build['provider_id']!r} has no log yet.",
            field="version",
            version=build["version"],
        )

    async def build_running() -> bool:
        async with platform.database.reading() as connection:
            current = await store.get_build(
                connection, build["organization_id"], build["provider_id"], build["version"]
            )
        return current is not None and current["status"] not in _FINISHED

    return stream_log(log, tail=tail, follow=follow and running, still_going=build_running)
