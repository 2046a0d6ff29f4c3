"""``/providers``: push provider code, follow its builds, deploy, roll back, read its logs, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Query, UploadFile
from fastapi.responses import StreamingResponse

from pragma_os.api.deps import CurrentPrincipal, ProvidersDep
from pragma_os.api.openapi import (
    BODY_ERRORS,
    ProviderId,
    VersionInPath,
    error_responses,
)
from pragma_os.api.responses import FastJSONResponse, event_stream
from pragma_os.api.routing import authenticated_router
from pragma_os.services import provider_logs, providers
from pragma_sdk.models import (
    BUILD_VERSION,
    BuildInfo,
    DeploymentResult,
    DeployRequest,
    ProviderDeleteResult,
    ProviderInfo,
    ProviderStatus,
    PushResult,
    RollbackRequest,
)

router = authenticated_router("/providers", "providers")

_NO_PROVIDER = error_responses(404, descriptions={404: "No such provider"})
_NO_BUILD = error_responses(404, descriptions={404: "No such provider, or no such build"})
_NO_SANDBOX = {503: "Pushed code cannot be sandboxed on this server"}
_LOG_LINES = {
    "description": "The log, line by line; with follow, the response stays open for new lines",
    "content": {"text/plain": {"schema": {"type": "string"}}},
}


@router.get("/", response_model=list[ProviderInfo])
async def list_providers(platform: ProvidersDep, principal: CurrentPrincipal) -> FastJSONResponse:
    """The organization's providers with their deployed version and deployment state."""
    return FastJSONResponse(await providers.list_providers(platform, principal))


@router.post(
    "/{provider_id}/push",
    status_code=202,
    response_model=PushResult,
    responses=error_responses(
        400,
        409,
        *BODY_ERRORS,
        503,
        descriptions={
            400: "The body is not valid multipart/form-data",
            409: "Another push of this provider is under way",
            413: "The archive is over PRAGMA_MAX_PUSH_BYTES, packed or unpacked",
            **_NO_SANDBOX,
        },
    ),
)
async def push_provider(
    provider_id: ProviderId,
    platform: ProvidersDep,
    principal: CurrentPrincipal,
    code: Annotated[UploadFile, File(description="Gzipped tarball of the provider project")],
) -> FastJSONResponse:
    """Store the pushed source as a new version (``YYYYMMDD.HHMMSS``) and queue its build."""
    result = await providers.push(platform, principal, provider_id, code.file)
    return FastJSONResponse(result, status_code=202)


@router.get("/{provider_id}/builds", response_model=list[BuildInfo], responses=_NO_PROVIDER)
async def list_builds(
    provider_id: ProviderId, platform: ProvidersDep, principal: CurrentPrincipal
) -> FastJSONResponse:
    """The provider's latest builds, newest first (up to 10)."""
    return FastJSONResponse(await providers.list_builds(platform, principal, provider_id))


@router.get("/{provider_id}/builds/{version}", response_model=BuildInfo, responses=_NO_BUILD)
async def get_build_status(
    provider_id: ProviderId, version: VersionInPath, platform: ProvidersDep, principal: CurrentPrincipal
) -> FastJSONResponse:
    """One build's state and, when it failed, why."""
    build = await providers.get_build(platform, principal, provider_id, version)
    return FastJSONResponse(providers.build_info(build))


@router.get("/{provider_id}/versions/{version}", response_model=BuildInfo, responses=_NO_BUILD)
async def get_build_by_version(
    provider_id: ProviderId, version: VersionInPath, platform: ProvidersDep, principal: CurrentPrincipal
) -> FastJSONResponse:
    """The build of a version (same as ``/builds/{version}``)."""
    return await get_build_status(provider_id, version, platform, principal)


@router.get(
    "/{provider_id}/builds/{version}/logs",
    response_class=StreamingResponse,
    responses={200: _LOG_LINES, **_NO_BUILD},
)
async def get_build_logs(
    provider_id: ProviderId, version: VersionInPath, platform: ProvidersDep, principal: CurrentPrincipal
) -> StreamingResponse:
    """The build log as text lines; while the build runs, the response stays open for new lines."""
    lines = await provider_logs.build_log(platform, principal, provider_id, version)
    return event_stream(lines, media_type="text/plain; charset=utf-8")


@router.get(
    "/{provider_id}/logs",
    response_class=StreamingResponse,
    responses={
        200: _LOG_LINES,
        **error_responses(404, descriptions={404: "No such provider or version, or nothing logged yet"}),
    },
)
async def get_provider_logs(
    provider_id: ProviderId,
    platform: ProvidersDep,
    principal: CurrentPrincipal,
    version: Annotated[
        str | None,
        Query(
            description="Version whose logs to read (default: the deployed one, else the latest build)",
            json_schema_extra=BUILD_VERSION.json_schema,
        ),
    ] = None,
    build: Annotated[
        bool, Query(description="Read the version's build log instead of its workers' log")
    ] = False,
    follow: Annotated[
        bool,
        Query(description="Keep streaming new lines (for a build: until it ends; else until you disconnect)"),
    ] = False,
    tail: Annotated[
        int | None, Query(ge=0, description="Only the last this many lines (then new ones)")
    ] = None,
) -> StreamingResponse:
    """What a version's workers printed (stamped with time and worker id, secrets redacted), or its build log.

    Text lines; with ``follow`` the response stays open for new ones. 404 for an unknown version
    or when nothing was logged yet. Each server replica keeps the logs of the workers it runs.
    """
    lines = await provider_logs.provider_log(
        platform, principal, provider_id, version=version, build=build, follow=follow, tail=tail
    )
    return event_stream(lines, media_type="text/plain; charset=utf-8")


@router.post(
    "/{provider_id}/deploy",
    status_code=202,
    response_model=ProviderStatus,
    responses=error_responses(
        404,
        409,
        *BODY_ERRORS,
        503,
        descriptions={
            409: "The version lacks a resource type that resources still use (unless force)",
            **_NO_SANDBOX,
        },
    ),
)
async def deploy_provider(
    provider_id: ProviderId,
    platform: ProvidersDep,
    principal: CurrentPrincipal,
    body: DeployRequest | None = None,
) -> FastJSONResponse:
    """Roll a build out (default: the latest successful one); an older version rolls back.

    A version that lacks a resource type some resources still have is refused with 409 listing
    them, unless ``force`` is set.
    """
    version = body.version if body is not None else None
    force = body.force if body is not None else False
    status = await providers.deploy(platform, principal, provider_id, version, force=force)
    return FastJSONResponse(status, status_code=202)


@router.post(
    "/{provider_id}/rollback",
    status_code=202,
    response_model=DeploymentResult,
    responses=error_responses(
        400,
        404,
        409,
        *BODY_ERRORS,
        503,
        descriptions={
            400: "The build did not succeed, so it cannot be deployed",
            404: "No such provider, or no such build",
            409: "The version lacks a resource type that resources still use (unless force)",
            **_NO_SANDBOX,
        },
    ),
)
async def rollback_provider(
    provider_id: ProviderId, body: RollbackRequest, platform: ProvidersDep, principal: CurrentPrincipal
) -> FastJSONResponse:
    """Deploy an earlier successful build again (as ``/deploy`` with that version does).

    Answers at once with the rollout, usually ``progressing``; follow it at ``/deployment``.
    The version that is already deployed and available answers ``available`` and changes nothing.
    A version that lacks a resource type some resources still have is refused with 409 listing
    them, unless ``force`` is set.
    """
    result = await providers.rollback(platform, principal, provider_id, body.version, force=body.force)
    return FastJSONResponse(result, status_code=202)


@router.get("/{provider_id}/deployment", response_model=ProviderStatus, responses=_NO_PROVIDER)
async def get_deployment_status(
    provider_id: ProviderId, platform: ProvidersDep, principal: CurrentPrincipal
) -> FastJSONResponse:
    """The deployment's state, version and whether its workers are healthy."""
    return FastJSONResponse(await providers.get_deployment(platform, principal, provider_id))


@router.delete(
    "/{provider_id}",
    response_model=ProviderDeleteResult,
    responses=error_responses(
        404, 409, descriptions={409: "The provider still has resources (delete them with cascade=true)"}
    ),
)
async def delete_provider(
    provider_id: ProviderId,
    platform: ProvidersDep,
    principal: CurrentPrincipal,
    cascade: Annotated[
        bool, Query(description="Delete all resources for this provider (default: fail if resources exist)")
    ] = False,
) -> FastJSONResponse:
    """Remove the provider, its builds and workers; 409 while it has resources, unless ``cascade``."""
    return FastJSONResponse(await providers.delete(platform, principal, provider_id, cascade=cascade))
