"""Workers for installed provider packages (``pragma-os serve --provider-package``), for development."""

from __future__ import annotations

from collections.abc import Callable

from pragma_os.auth import service as auth_service
from pragma_os.deploy.local import SupervisedWorker, WorkerSpec
from pragma_os.output import CapturedOutput
from pragma_os.settings import Settings
from pragma_os.store import Database
from pragma_sdk.provider import discover_providers


async def start_package_workers(
    settings: Settings, database: Database, output: Callable[[str], CapturedOutput]
) -> list[SupervisedWorker]:
    """Start one supervised worker per configured package, each with a token for its providers.

    ``output`` gives where a package's worker output goes.
    """
    workers = []
    for package in settings.provider_packages:
        providers = [provider.name for provider in discover_providers(package)]
        token = await auth_service.mint_worker_token(
            # One label per replica and package: a restart revokes its own old token, never
            # the token of another replica's worker.
            database,
            settings.provider_organization,
            f"worker:{package}@{settings.api_url}",
            providers,
        )
        worker = SupervisedWorker(
            WorkerSpec(package, settings.api_url, token, concurrency=settings.worker_concurrency),
            output=output(package),
        )
        worker.start()
        workers.append(worker)
    return workers
