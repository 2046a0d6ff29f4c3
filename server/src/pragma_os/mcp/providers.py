"""Provider tools: list, push, builds and their logs, deploy and its status, delete.

Each calls the use case the ``/providers`` routes call, with the caller's ``Principal``.
"""

from __future__ import annotations

import io
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated, Any, cast

import anyio
from mcp.server.fastmcp import FastMCP
from mcp.types import ToolAnnotations
from pydantic import Field

from pragma_os.errors import NotFoundError
from pragma_os.mcp.context import ToolContext
from pragma_os.mcp.errors import tool_errors
from pragma_os.mcp.models import BuildList, BuildLogs, ProviderList
from pragma_os.mcp.uploads import pushed_archive
from pragma_os.services import provider_logs, providers
from pragma_sdk.models import (
    BuildInfo,
    BuildStatus,
    DeployRequest,
    ProviderDeleteResult,
    ProviderInfo,
    ProviderStatus,
    PushResult,
)

READ_ONLY = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
CHANGING = ToolAnnotations(readOnlyHint=False, destructiveHint=False, openWorldHint=True)
DELETING = ToolAnnotations(readOnlyHint=False, destructiveHint=True, idempotentHint=False, openWorldHint=True)
FINISHED = (BuildStatus.SUCCESS, BuildStatus.FAILED)
MAX_WAIT_SECONDS = 300.0

ProviderIdArgument = Annotated[
    str, Field(description="The provider's name: lowercase letters, digits and '-', starting with a letter")
]
VersionArgument = Annotated[
    str, Field(description="The build's version, 'YYYYMMDD.HHMMSS', as push_provider or list_builds give it")
]


def register(server: FastMCP[Any], context: ToolContext) -> None:
    """Add the provider tools to ``server``."""

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def list_providers() -> ProviderList:
        """List the organization's pushed providers with their deployed version and deployment
        status (pending, progressing, available or failed; none while never deployed)."""
        rows = await providers.list_providers(context.providers, context.principal())
        return ProviderList(providers=[ProviderInfo.model_validate(row) for row in rows])

    @server.tool(annotations=CHANGING)
    @tool_errors
    async def push_provider(
        provider_id: ProviderIdArgument,
        code: Annotated[
            str | None,
            Field(
                description=(
                    "The provider project as a base64-encoded gzipped tarball, made in the project's "
                    "folder with: tar czf - . | base64"
                )
            ),
        ] = None,
        files: Annotated[
            dict[str, str] | None,
            Field(
                description=(
                    "Instead of code: the project's files as {relative path: text}, at least "
                    "pyproject.toml (depending on pragmatiks-sdk) and the package's modules"
                )
            ),
        ] = None,
    ) -> PushResult:
        """Push a provider's code (a Python project written with the pragmatiks SDK) as a new
        version and start its build. The build installs the project and registers its
        resource types. Follow it with get_build_status or get_build_logs (wait_seconds), then
        deploy the version with deploy_provider."""
        archive = pushed_archive(code, files, context.providers.max_push_bytes)
        result = await providers.push(
            context.providers, context.principal(), provider_id, io.BytesIO(archive)
        )
        return PushResult.model_validate(result)

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def list_builds(provider_id: ProviderIdArgument) -> BuildList:
        """List a provider's latest builds (up to 10), newest first, with their status."""
        rows = await providers.list_builds(context.providers, context.principal(), provider_id)
        return BuildList(builds=[BuildInfo.model_validate(row) for row in rows])

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def get_build_status(provider_id: ProviderIdArgument, version: VersionArgument) -> BuildInfo:
        """Get a build's status (pending, building, success or failed) and, when it failed, why."""
        build = await providers.get_build(context.providers, context.principal(), provider_id, version)
        return BuildInfo.model_validate(providers.build_info(build))

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def get_build_logs(
        provider_id: ProviderIdArgument,
        version: VersionArgument,
        tail: Annotated[int, Field(ge=1, le=10_000, description="Only the last this many lines")] = 200,
        wait_seconds: Annotated[
            float,
            Field(
                ge=0,
                le=MAX_WAIT_SECONDS,
                description="Wait up to this long for a running build to end before answering",
            ),
        ] = 0,
    ) -> BuildLogs:
        """Get a build's log (what installing and importing the provider printed), and whether
        the build has ended (``complete``). With ``wait_seconds``, waits for a running build to
        end first, so one call can follow a build to its end."""
        principal = context.principal()
        build = await providers.get_build(context.providers, principal, provider_id, version)
        if wait_seconds and build["status"] not in FINISHED:
            following = await provider_logs.build_log(context.providers, principal, provider_id, version)
            async with aclosing(cast(AsyncGenerator[bytes, None], following)) as lines:
                with anyio.move_on_after(wait_seconds):
                    async for _ in lines:
                        pass  # ends when the build does
            build = await providers.get_build(context.providers, principal, provider_id, version)
        try:
            chunks = await provider_logs.provider_log(
                context.providers,
                principal,
                provider_id,
                version=version,
                build=True,
                follow=False,
                tail=tail,
            )
            text = b"".join([chunk async for chunk in chunks]).decode(errors="replace")
        except NotFoundError:
            text = ""  # the build has not written a line yet
        return BuildLogs(
            provider_id=build["provider_id"],
            version=build["version"],
            status=build["status"],
            complete=build["status"] in FINISHED,
            lines=text.splitlines(),
            error_message=build["error_message"],
        )

    @server.tool(annotations=CHANGING)
    @tool_errors
    async def deploy_provider(
        provider_id: ProviderIdArgument,
        version: Annotated[
            str | None, Field(description="The build to deploy; default: the latest successful one")
        ] = None,
        force: Annotated[
            bool,
            Field(description="Deploy even if the version drops resource types that resources still use"),
        ] = False,
    ) -> ProviderStatus:
        """Deploy a successful build: start its workers and, once healthy, stop the old ones.
        Deploying an older version rolls back. Answers at once (usually ``progressing``);
        follow with get_deployment_status until ``available`` (or ``failed``)."""
        request = DeployRequest.model_validate({"version": version, "force": force})
        status = await providers.deploy(
            context.providers, context.principal(), provider_id, request.version, force=request.force
        )
        return ProviderStatus.model_validate(status)

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def get_deployment_status(provider_id: ProviderIdArgument) -> ProviderStatus:
        """Get where a provider's deployment stands: status, version, whether its workers are
        healthy, how often they restarted, and why the last rollout failed."""
        status = await providers.get_deployment(context.providers, context.principal(), provider_id)
        return ProviderStatus.model_validate(status)

    @server.tool(annotations=DELETING)
    @tool_errors
    async def delete_provider(
        provider_id: ProviderIdArgument,
        cascade: Annotated[
            bool,
            Field(
                description=(
                    "Also remove its resources (without calling the provider); "
                    "otherwise refused while it has any"
                )
            ),
        ] = False,
    ) -> ProviderDeleteResult:
        """Delete a provider: its workers, builds and resource types, and with ``cascade`` its
        resources too (removed from the platform without deleting what they stand for)."""
        result = await providers.delete(context.providers, context.principal(), provider_id, cascade=cascade)
        return ProviderDeleteResult.model_validate(result)
