"""``create_app``: builds the FastAPI application around one ``Settings`` object."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import math
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.routing import Route
from uv import find_uv_bin

import pragma_os
from pragma_os import mcp
from pragma_os.api.console import install_console
from pragma_os.api.documentation import install_documentation
from pragma_os.api.errors import UnexpectedErrors, install_error_handlers
from pragma_os.api.limits import BodySizeLimit
from pragma_os.api.request_tracking import RequestTracking
from pragma_os.api.responses import FastJSONResponse
from pragma_os.api.routers import (
    audit,
    auth,
    dead_letters,
    files,
    health,
    metrics,
    plans,
    providers,
    resources,
    workers,
)
from pragma_os.api.routing import allowed_methods
from pragma_os.api.trace_context import TraceContext
from pragma_os.auth import Authenticator
from pragma_os.builds import INTROSPECT_SCRIPT
from pragma_os.builds.interpreters import probe
from pragma_os.builds.sdk_source import local_sdk_source
from pragma_os.builtin.context import BuiltinServices
from pragma_os.daemons.apply_queue import ApplyQueue
from pragma_os.daemons.build_queue import BuildQueue, BuildSettings
from pragma_os.daemons.builtin_worker import BuiltinWorker, register_builtin_types
from pragma_os.daemons.deployment_manager import DeploymentManager, DeploySettings
from pragma_os.daemons.replica_relay import Relay, listen
from pragma_os.daemons.rescuer import rescue_forever
from pragma_os.deploy.packages import start_package_workers
from pragma_os.deploy.releases import LocalProcessDeployer
from pragma_os.deploy.runs import ServerRun
from pragma_os.engine.history import write_history
from pragma_os.engine.retry import RetryPolicy
from pragma_os.engine.wakeups import Wakeups
from pragma_os.files import LocalFileStorage
from pragma_os.sandbox import ResourceLimits, Sandbox, SandboxIdentities, SandboxProfile, choose_sandbox
from pragma_os.secrets.keys import load_server_keys
from pragma_os.secrets.sealing import Sealer
from pragma_os.services.config_validation import ConfigValidator
from pragma_os.services.engine_metrics import EngineMetrics
from pragma_os.services.presence import WorkerPresence
from pragma_os.services.process_output import ProcessOutputs
from pragma_os.services.provider_files import ProviderFiles
from pragma_os.services.provider_queries import QueryBroker
from pragma_os.services.providers import ProviderPlatform
from pragma_os.services.secret_redaction import SecretRedactors
from pragma_os.services.worker_notices import WorkerNotices
from pragma_os.services.workers import Dispatcher, reclaim_previous_run
from pragma_os.settings import Settings
from pragma_os.store import Database
from pragma_os.tasks import cancel_and_wait
from pragma_sdk import tracing

logger = logging.getLogger("pragma_os.engine")


# Room for the multipart boundaries and part headers around an uploaded file.
_UPLOAD_ENVELOPE_BYTES = 64 * 1024


def _body_limit(settings: Settings, path: str) -> int:
    """Pushed provider archives and uploaded files may be larger than API calls."""
    if path.startswith("/providers/") and path.endswith("/push"):
        return settings.max_push_bytes
    if path == mcp.PATH:
        return mcp.max_request_bytes(settings)
    if path.startswith("/files/") and path.endswith("/upload"):
        return settings.max_file_bytes + _UPLOAD_ENVELOPE_BYTES
    return settings.max_body_bytes


def provider_platform(
    settings: Settings,
    database: Database,
    presence: WorkerPresence,
    validator: ConfigValidator,
    sandbox: Sandbox,
    identities: SandboxIdentities,
    outputs: ProcessOutputs,
    run: ServerRun,
) -> ProviderPlatform:
    """The provider pipeline: files under the data directory, build queue, local deployer."""
    files = ProviderFiles(settings.providers_dir)
    sdk_source = settings.sdk_source or local_sdk_source() or Path("pragma-sdk-source-not-configured")
    uv = Path(find_uv_bin()).resolve()
    # The interpreters themselves, not the server's virtual environment (which pushed code
    # must not see): builds make their environments from them, and workers run on them.
    pythons = tuple(probe(request) for request in [sys.executable, *settings.build_pythons])
    interpreter = tuple(dict.fromkeys(p.prefix for p in pythons if not p.prefix.is_relative_to("/usr")))
    build_settings = BuildSettings(
        files=files,
        sdk_source=sdk_source,
        uv=uv,
        pythons=pythons,
        timeout=settings.build_timeout_seconds,
        concurrency=settings.max_concurrent_builds,
        max_compressed_bytes=settings.max_push_bytes,
        max_unpacked_bytes=settings.max_unpacked_bytes,
        max_files=settings.max_archive_files,
        sandbox=sandbox,
        identities=identities,
        profile=_sandbox_profile(
            settings,
            memory_bytes=settings.sandbox_build_memory_bytes,
            file_bytes=settings.sandbox_build_write_bytes,
            cpu_seconds=math.ceil(settings.build_timeout_seconds),
            shared=(*interpreter, uv, sdk_source.resolve(), INTROSPECT_SCRIPT),
        ),
        max_write_bytes=settings.sandbox_build_write_bytes,
    )
    deploy_settings = DeploySettings(
        files=files,
        api_url=settings.api_url,
        timeout=settings.deploy_timeout_seconds,
        replicas=settings.provider_replicas,
        concurrency=settings.worker_concurrency,
        sandbox=sandbox,
        identities=identities,
        run=run,
        profile=_sandbox_profile(
            settings,
            memory_bytes=settings.sandbox_worker_memory_bytes,
            file_bytes=settings.sandbox_worker_file_bytes,
            shared=interpreter,
        ),
    )
    return ProviderPlatform(
        database=database,
        files=files,
        builds=BuildQueue(database, build_settings, outputs.build),
        deployments=DeploymentManager(
            database,
            LocalProcessDeployer(sandbox, outputs.release, log_format=settings.log_format),
            presence,
            validator,
            deploy_settings,
        ),
        max_push_bytes=settings.max_push_bytes,
        sandbox=sandbox,
    )


def _sandbox_profile(
    settings: Settings,
    *,
    memory_bytes: int,
    file_bytes: int,
    shared: tuple[Path, ...],
    cpu_seconds: int | None = None,
) -> SandboxProfile:
    """Builds and workers share the process, file and ``/tmp`` limits; the rest is theirs."""
    limits = ResourceLimits(
        memory_bytes=memory_bytes,
        processes=settings.sandbox_max_processes,
        open_files=settings.sandbox_open_files,
        file_bytes=file_bytes,
        cpu_seconds=cpu_seconds,
    )
    return SandboxProfile(limits=limits, tmp_bytes=settings.sandbox_tmp_bytes, shared=shared)


def create_app(settings: Settings) -> FastAPI:
    """The API application; its database opens at startup and closes at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(settings.resolved_database_url)
        app.state.database = database
        keys = load_server_keys(
            settings.data_dir, settings.secret_key.get_secret_value() if settings.secret_key else None
        )
        app.state.keys = keys
        sealer = Sealer(keys.sealing_key)
        app.state.authenticator = Authenticator(database, settings.token_cache_seconds)
        app.state.files = LocalFileStorage(settings.files_dir)
        await app.state.files.remove_stale_uploads()
        wakeups = Wakeups()
        presence = WorkerPresence(database)
        redactors = SecretRedactors(database, sealer, wakeups)
        dispatcher = Dispatcher(
            database=database,
            wakeups=wakeups,
            queries=QueryBroker(database, wakeups, presence, settings.query_answer_seconds),
            policy=RetryPolicy(
                settings.retry_max_attempts, settings.retry_base_seconds, settings.retry_max_seconds
            ),
            lease_seconds=settings.lease_seconds,
            presence=presence,
            sealer=sealer,
            redactors=redactors,
        )
        app.state.dispatcher = dispatcher
        database.before_commit = dispatcher.parked.hand_off
        database.after_commit = EngineMetrics().committed
        database.record = write_history
        # Other replicas on the same PostgreSQL wake this one's waiters through the database.
        listener = (
            await listen(database.url, database.sender, Relay(wakeups, database.commits, dispatcher.queries))
            if database.shared
            else None
        )
        validator = ConfigValidator(database)
        app.state.apply_queue = ApplyQueue(database, dispatcher.wakeups, validator, sealer)
        app.state.worker_notices = WorkerNotices(validator, presence)
        await register_builtin_types(database)
        identities = SandboxIdentities(database, settings.sandbox_uid_base)
        sandbox = await choose_sandbox(
            insecure_unsandboxed=settings.insecure_unsandboxed, probe_identity=identities.probe_identity
        )
        outputs = ProcessOutputs(
            ProviderFiles(settings.providers_dir),
            settings.package_logs_dir,
            redactors,
            settings.max_log_bytes,
        )
        run = ServerRun.begin(settings.data_dir)
        platform = provider_platform(
            settings, database, dispatcher.presence, validator, sandbox, identities, outputs, run
        )
        app.state.providers = platform
        reclaimed = await reclaim_previous_run(dispatcher, run)
        if reclaimed:
            logger.warning(
                "Redelivering %d event(s) leased to workers of this server's previous run", reclaimed
            )
        rescuer = asyncio.create_task(rescue_forever(dispatcher, settings))
        builtin = BuiltinWorker(
            dispatcher, BuiltinServices(app.state.files, keys.signing_key, settings.external_url)
        )
        builtin.start()
        workers = await start_package_workers(
            settings, database, run, functools.partial(outputs.package, settings.provider_organization)
        )
        await platform.builds.resume()
        await platform.deployments.restore()
        # Everything built at startup lives as long as the process: keep the collector off it,
        # and let it run less often (allocation-heavy request handling triggers it constantly).
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        try:
            async with endpoint.running():
                yield
        finally:
            await platform.builds.close()
            await platform.deployments.close()
            await builtin.stop()
            await asyncio.gather(*(worker.stop() for worker in workers))
            await cancel_and_wait(rescuer)
            if listener is not None:
                await listener.close()
            await database.close()
            tracing.shutdown()  # exports the spans still buffered

    app = FastAPI(
        title="Pragma API",
        version=pragma_os.__version__,
        default_response_class=FastJSONResponse,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # The server's spans are its own (pragma_sdk.tracing) and its metrics Prometheus's;
        # FastAPI's native telemetry would otherwise look up the global providers per request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_documentation(app)
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, limit_for=lambda path: _body_limit(settings, path))
    app.add_middleware(UnexpectedErrors)  # it also answers for BodySizeLimit
    # Only when the OTEL_* variables ask for traces; not as the global tracer provider, which
    # FastAPI's own telemetry would use for spans of every request (idle workers' polls too).
    if tracing.configure("pragma-os"):
        app.add_middleware(TraceContext)
    app.add_middleware(RequestTracking)  # outermost: every answer, the errors' too
    routers = [
        module.router
        for module in (
            health,
            auth,
            plans,
            resources,
            dead_letters,
            workers,
            providers,
            files,
            audit,
            metrics,
        )
    ]
    for router in routers:
        app.include_router(router)
    # The MCP server answers on the path itself (a mount would redirect /mcp to /mcp/), and
    # POST only: stateless, it has no session to end (DELETE) and nothing to stream (GET).
    endpoint = mcp.McpEndpoint(settings, app.state)
    app.router.routes.append(Route(mcp.PATH, endpoint.app, methods=["POST"], include_in_schema=False))
    install_console(app)
    app.state.allowed_methods = allowed_methods(route for router in routers for route in router.routes)
    return app
